import { describe, expect, it } from "vitest";
import { basketBody, legState, outcome } from "./basket";

describe("the chain's basket", () => {
  const legs = [
    { tradingsymbol: "NIFTY26DEC25500CE", transaction_type: "SELL" as const, lots: 1 },
    { tradingsymbol: "NIFTY26DEC25000CE", transaction_type: "BUY" as const, lots: 2, entry_price: "120" },
  ];
  it("sends each leg's contract, side and lots (the API orders them), with a key only when sending", () => {
    expect(basketBody(legs, "NRML", "paper")).toEqual({
      legs: [
        { tradingsymbol: "NIFTY26DEC25500CE", transaction_type: "SELL", lots: 1 },
        { tradingsymbol: "NIFTY26DEC25000CE", transaction_type: "BUY", lots: 2 },
      ],
      product: "NRML",
      mode: "paper",
    });
    expect(basketBody(legs, "MIS", "live", "k1")).toMatchObject({ product: "MIS", mode: "live", idempotency_key: "k1" });
  });
  it("says each outcome in words", () => {
    expect(legState("skipped")).toBe("Not sent (an earlier leg was refused)");
    expect(legState("filled")).toBe("Filled");
    expect(outcome("unwound").label).toContain("exited");
  });
});
