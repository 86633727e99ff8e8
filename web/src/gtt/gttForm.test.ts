import { describe, expect, it } from "vitest";
import schema from "../../../docs/openapi.json";
import { buildGttBody, gttFormOf, gttProduct, initialGtt } from "./gttForm";

describe("a GTT's product", () => {
  it("is the one the server takes, never MIS, whatever the form held", () => {
    const shares = { ...initialGtt("NSE:INFY", 1400), product: "MIS" as const, trigger: "1450", price: "1455" };
    expect(buildGttBody(shares).orders[0]?.product).toBe("CNC");
    const future = { ...shares, exchange: "NFO" as const, tradingsymbol: "NIFTY26DECFUT" };
    expect(buildGttBody(future).orders[0]?.product).toBe("NRML");
    expect(gttProduct("BFO")).toBe("NRML");
    expect(gttProduct("BSE")).toBe("CNC");
  });
  it("is among the products the API contract lists", () => {
    const listed = (schema.components.schemas.GttOrder.properties.product as { enum: string[] }).enum;
    expect(listed).toEqual(["CNC", "NRML"]);
    for (const exchange of ["NSE", "BSE", "NFO", "BFO"] as const) expect(listed).toContain(gttProduct(exchange));
  });
});

describe("GTT request body", () => {
  it("builds a single trigger with a LIMIT order", () => {
    const form = { ...initialGtt("NSE:INFY", 1400), quantity: "5", trigger: "1450", price: "1455.5" };
    expect(buildGttBody(form)).toEqual({
      type: "single",
      condition: { exchange: "NSE", tradingsymbol: "INFY", trigger_values: ["1450"], last_price: "1400" },
      orders: [{ transaction_type: "BUY", quantity: 5, order_type: "LIMIT", product: "CNC", price: "1455.5" }],
    });
  });

  it("orders an OCO's legs lowest trigger first, each with its own price", () => {
    const form = {
      ...initialGtt("INFY", 1400),
      type: "two-leg" as const,
      transaction_type: "SELL" as const,
      quantity: "5",
      stop_trigger: "1300",
      stop_price: "1295",
      target_trigger: "1500",
      target_price: "1505",
    };
    const body = buildGttBody(form);
    expect(body.condition.trigger_values).toEqual(["1300", "1500"]);
    expect(body.orders.map((o) => o.price)).toEqual(["1295", "1505"]);
    // A buy OCO (covering a short): the target is the lower trigger.
    const cover = { ...form, transaction_type: "BUY" as const, stop_trigger: "1500", stop_price: "1505", target_trigger: "1300", target_price: "1295" };
    expect(buildGttBody(cover).condition.trigger_values).toEqual(["1300", "1500"]);
    expect(buildGttBody(cover).orders.map((o) => o.price)).toEqual(["1295", "1505"]);
  });

  it("reads a listed OCO back into the form", () => {
    const row = {
      type: "two-leg",
      condition: { exchange: "NSE", tradingsymbol: "INFY", trigger_values: [1300, 1500], last_price: 1400 },
      orders: [
        { transaction_type: "SELL", quantity: 5, product: "CNC", price: 1295 },
        { transaction_type: "SELL", quantity: 5, product: "CNC", price: 1505 },
      ],
    };
    const form = gttFormOf(row);
    expect([form.stop_trigger, form.stop_price, form.target_trigger, form.target_price]).toEqual(["1300", "1295", "1500", "1505"]);
    expect(buildGttBody(form).condition.trigger_values).toEqual(["1300", "1500"]);
  });
});
