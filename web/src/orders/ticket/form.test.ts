import { describe, expect, it } from "vitest";
import {
  buildModifyBody,
  buildOrderBody,
  initialForm,
  normalise,
  orderTypes,
  orderTypesFor,
  products,
  type TicketForm,
  validities,
  varieties,
  visibleFields,
} from "./form";

const shown = (patch: Partial<TicketForm> = {}) =>
  [...visibleFields({ ...initialForm({ symbol: "NSE:INFY" }), ...patch })].sort();

describe("order ticket choices", () => {
  it("offers every value of the API's enums", () => {
    expect(orderTypes.map((c) => c.value)).toEqual(["MARKET", "LIMIT", "SL", "SL-M"]);
    expect(varieties.map((c) => c.value)).toEqual(["regular", "amo", "co", "iceberg", "auction"]);
    expect(products.map((c) => c.value)).toEqual(["CNC", "MIS", "NRML", "MTF"]);
    expect(validities.map((c) => c.value)).toEqual(["DAY", "IOC", "TTL"]);
  });

  it("limits a cover order to MARKET/LIMIT, MIS and DAY", () => {
    expect(orderTypesFor("co").map((c) => c.value)).toEqual(["MARKET", "LIMIT"]);
    const form = normalise({ ...initialForm(), variety: "co", order_type: "SL", product: "CNC", validity: "IOC" });
    expect([form.order_type, form.product, form.validity]).toEqual(["MARKET", "MIS", "DAY"]);
  });
});

describe("fields per order type", () => {
  it("shows price for LIMIT and SL, trigger for SL and SL-M, neither for MARKET", () => {
    expect(shown({ order_type: "MARKET" })).not.toContain("price");
    expect(shown({ order_type: "MARKET" })).not.toContain("trigger_price");
    expect(shown({ order_type: "LIMIT" })).toContain("price");
    expect(shown({ order_type: "LIMIT" })).not.toContain("trigger_price");
    expect(shown({ order_type: "SL" })).toEqual(expect.arrayContaining(["price", "trigger_price"]));
    expect(shown({ order_type: "SL-M" })).toContain("trigger_price");
    expect(shown({ order_type: "SL-M" })).not.toContain("price");
  });

  it("shows the variety's own fields", () => {
    expect(shown({ variety: "iceberg" })).toEqual(expect.arrayContaining(["iceberg_legs", "iceberg_quantity"]));
    expect(shown({ variety: "regular" })).not.toContain("iceberg_legs");
    expect(shown({ variety: "auction" })).toContain("auction_number");
    expect(shown({ variety: "co", order_type: "MARKET" })).toContain("trigger_price");
    expect(shown({ validity: "TTL" })).toContain("validity_ttl");
    expect(shown({ validity: "DAY" })).not.toContain("validity_ttl");
  });
});

describe("the request body", () => {
  it("sends only the fields shown, prices as typed", () => {
    const form = {
      ...initialForm({ symbol: "nse:infy", side: "SELL" }),
      order_type: "LIMIT" as const,
      quantity: "10",
      price: "1400.05",
      trigger_price: "1390", // hidden for LIMIT: not sent
      iceberg_legs: "3", // hidden for regular: not sent
    };
    expect(buildOrderBody(form, "ticket-abc12345")).toEqual({
      exchange: "NSE",
      tradingsymbol: "INFY",
      transaction_type: "SELL",
      quantity: 10,
      product: "CNC",
      order_type: "LIMIT",
      variety: "regular",
      validity: "DAY",
      price: "1400.05",
      idempotency_key: "ticket-abc12345",
    });
  });

  it("builds an iceberg with TTL and an SL-M cover stop", () => {
    const iceberg = {
      ...initialForm({ symbol: "INFY" }),
      variety: "iceberg" as const,
      order_type: "SL" as const,
      validity: "TTL" as const,
      quantity: "100",
      price: "1400",
      trigger_price: "1401",
      validity_ttl: "5",
      iceberg_legs: "4",
      iceberg_quantity: "25",
    };
    expect(buildOrderBody(iceberg)).toMatchObject({
      variety: "iceberg",
      price: "1400",
      trigger_price: "1401",
      validity_ttl: 5,
      iceberg_legs: 4,
      iceberg_quantity: 25,
    });
    const cover = { ...initialForm({ symbol: "INFY" }), variety: "co" as const, product: "MIS" as const, trigger_price: "1350" };
    expect(buildOrderBody(cover)).toMatchObject({ variety: "co", order_type: "MARKET", trigger_price: "1350" });
    expect(buildOrderBody(cover)).not.toHaveProperty("price");
  });

  it("sends an empty quantity as 0 for the API to name", () => {
    const form = { ...initialForm({ symbol: "INFY" }), quantity: "" };
    expect(buildOrderBody(form).quantity).toBe(0);
  });

  it("prefills from a seed and builds the modification", () => {
    const form = initialForm({ symbol: "BSE:TCS", side: "SELL", quantity: 7, product: "MIS", price: 3500 });
    expect([form.exchange, form.tradingsymbol, form.order_type, form.quantity]).toEqual(["BSE", "TCS", "LIMIT", "7"]);
    expect(buildModifyBody(form)).toEqual({
      quantity: 7,
      order_type: "LIMIT",
      validity: "DAY",
      price: "3500",
      trigger_price: 0,
    });
  });
});
