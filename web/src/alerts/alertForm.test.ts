import { describe, expect, it } from "vitest";
import { buildAlertBody, conditionWords, initialAlert, legBody, legField, newLeg, previewBody, valueError } from "./alertForm";

describe("the alert form", () => {
  it("builds a price cross in the DSL's own words", () => {
    const body = buildAlertBody({ ...initialAlert("nse:infy"), value: "1500" });
    expect(body.symbol).toBe("NSE:INFY");
    expect(body.condition).toEqual({
      type: "crosses_above",
      left: { type: "indicator", name: "close" },
      right: { type: "literal", value: 1500 },
    });
    expect(body.name).toBe("INFY: Price crosses above ₹1,500.00");
    expect(body.order).toBeUndefined();
  });

  it("crosses an indicator with another or with a number", () => {
    const rsi = buildAlertBody({ ...initialAlert("NSE:INFY"), kind: "cross_below", indicator: "RSI14", value: "30" });
    expect(rsi.condition).toEqual({
      type: "crosses_below",
      left: { type: "indicator", name: "rsi14" },
      right: { type: "literal", value: 30 },
    });
    const sma = buildAlertBody({ ...initialAlert("NSE:INFY"), kind: "cross_above", indicator: "close", value: "sma20" });
    expect((sma.condition as { right: unknown }).right).toEqual({ type: "indicator", name: "sma20" });
  });

  it("judges a % change on day candles and sends the order it holds", () => {
    const body = buildAlertBody({
      ...initialAlert(), target: "watchlist", watchlist_id: "7", kind: "change_down", value: "3",
      with_order: true, quantity: "10", confirm_within_mins: "20", repeat: "every", cooldown_mins: "10",
    });
    expect(body.watchlist_id).toBe(7);
    expect(body.symbol).toBeUndefined();
    expect(body.timeframe).toBe("day");
    expect(body.cooldown_secs).toBe(600);
    expect(body.condition).toEqual({ type: "compare", left: { type: "indicator", name: "roc1" }, op: "<=", right: { type: "literal", value: -3 } });
    expect(body.order).toEqual({ transaction_type: "BUY", quantity: 10, product: "CNC", order_type: "MARKET" });
    expect([body.order_action, body.confirm_within_mins]).toEqual(["confirm", 20]);
  });

  it("says a condition in words", () => {
    const close = { type: "indicator", name: "close" };
    expect(conditionWords({ type: "crosses_below", left: close, right: { type: "literal", value: 1234567.5 } }))
      .toBe("Price crosses below ₹12,34,567.50");
    expect(conditionWords({ type: "crosses_below", left: { type: "indicator", name: "rsi14" }, right: { type: "literal", value: 30 } }))
      .toBe("RSI 14 crosses below 30");
    expect(conditionWords({ type: "compare", left: { type: "indicator", name: "vol_ratio20" }, op: ">=", right: { type: "literal", value: 3 } }))
      .toBe("Volume 3× its average or more");
    expect(conditionWords({ type: "compare", left: { type: "indicator", name: "roc1" }, op: ">=", right: { type: "literal", value: 2 } }))
      .toBe("Up 2 % or more");
    expect(conditionWords({ type: "weird" })).toBe("A custom rule");
  });
});

describe("an alert's single order", () => {
  const form = { ...initialAlert("NSE:INFY"), value: "1500", with_order: true, order_action: "place" as const };
  it("is at market unless the trader picks a limit, which carries its price", () => {
    expect(buildAlertBody(form).order).toMatchObject({ order_type: "MARKET" });
    expect(buildAlertBody(form).order).not.toHaveProperty("price");
    expect(buildAlertBody({ ...form, order_type: "LIMIT", price: " 1480.5 " }).order).toMatchObject({ order_type: "LIMIT", price: "1480.5" });
    expect(buildAlertBody({ ...form, order_type: "LIMIT", price: "" }).order).toMatchObject({ order_type: "LIMIT", price: null });
  });
  it("is at market on a watchlist, where one price cannot fit every symbol", () => {
    const watchlist = { ...form, target: "watchlist" as const, watchlist_id: "3", order_type: "LIMIT" as const, price: "1480" };
    expect(buildAlertBody(watchlist).order).toEqual({ transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "MARKET" });
  });
});

describe("the alert's level", () => {
  it("is refused in a sentence when blank, not a number, negative or absurd, not sent as ₹0", () => {
    const price = { ...initialAlert("NSE:INFY"), kind: "price_above" as const };
    expect(valueError({ ...price, value: "" })).toBe("Enter the price, in rupees");
    expect(valueError({ ...price, value: "  " })).toBe("Enter the price, in rupees");
    expect(valueError({ ...price, value: "-5" })).toBe("The price must be a number above ₹0");
    expect(valueError({ ...price, value: "0" })).toBe("The price must be a number above ₹0");
    expect(valueError({ ...price, value: "abc" })).toBe("The price must be a number above ₹0");
    expect(valueError({ ...price, value: "1e20" })).toBe("The price must be at most ₹1,00,00,000.00");
    expect(valueError({ ...price, value: "1398.55" })).toBeNull();
    expect(valueError({ ...price, kind: "change_down", value: "150" })).toMatch(/at most 100 %/);
    expect(valueError({ ...price, kind: "change_up", value: "3" })).toBeNull();
    expect(valueError({ ...price, kind: "volume_spike", value: "" })).toMatch(/^Enter how many times/);
    expect(valueError({ ...price, kind: "cross_below", value: "" })).toMatch(/^Enter a number or an indicator/);
    expect(valueError({ ...price, kind: "cross_below", value: "sma20" })).toBeNull();
  });
});

describe("an alert's basket", () => {
  it("sends its legs, a blank symbol as the firing one and a price only on a LIMIT leg", () => {
    const form = {
      ...initialAlert("NSE:INFY"), value: "1500", with_order: true, order_kind: "basket" as const, order_action: "place" as const,
      legs: [
        { ...newLeg(), quantity: "5" },
        { ...newLeg("nse:tcs"), transaction_type: "SELL" as const, product: "MIS" as const, order_type: "LIMIT" as const, price: " 3000.05 " },
      ],
    };
    expect(buildAlertBody(form).order).toEqual({
      legs: [
        { symbol: null, transaction_type: "BUY", quantity: 5, product: "CNC", order_type: "MARKET" },
        { symbol: "NSE:TCS", transaction_type: "SELL", quantity: 1, product: "MIS", order_type: "LIMIT", price: "3000.05" },
      ],
    });
    expect(previewBody(form).symbol).toBe("NSE:INFY");
    expect(previewBody({ ...form, target: "watchlist" }).symbol).toBeNull();
    expect(legBody({ ...newLeg(), order_type: "LIMIT" }).price).toBeNull(); // the API names it
  });

  it("reads which leg an error names, on saving or in the preview", () => {
    expect(legField("order.legs[1].quantity")).toEqual({ leg: 1, field: "quantity" });
    expect(legField("legs[0].symbol")).toEqual({ leg: 0, field: "symbol" });
    expect(legField("order.quantity")).toBeNull();
  });
});
