import { describe, expect, it } from "vitest";
import { type BasketMargin, basketBody, hedgeWords, legState, outcome } from "./basket";

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

describe("the hedge benefit in words", () => {
  const condor: BasketMargin = {
    margin_required: "91780.00", margin_without_hedge: "608750.50", hedge_benefit: "516970.50",
    charges: "120.00", available: "1000000.00", order: [2, 3, 0, 1], source: "estimate",
  };
  const leg = (s: string, t: "BUY" | "SELL") => ({ tradingsymbol: `NIFTY26DEC${s}`, transaction_type: t, lots: 1 });
  const wings = [leg("28000CE", "SELL"), leg("27600PE", "SELL"), leg("28200CE", "BUY"), leg("27400PE", "BUY")];
  it("says what the legs need alone, why holding them together spares some, and what is blocked", () => {
    expect(hedgeWords(condor, wings)).toBe(
      "Each leg margined alone would need ₹6,08,750.50. Held together, a bought leg caps what the sold leg beside it can lose, " +
        "and a sold call and a sold put cannot both lose at expiry. The exchange blocks ₹5,16,970.50 less: ₹91,780.00.",
    );
    expect(hedgeWords({ ...condor, source: "broker" }, wings)).toContain("Your broker blocks ₹5,16,970.50 less");
  });
  it("names only the offsets the legs can have", () => {
    const strangle = hedgeWords(condor, wings.slice(0, 2)) as string;
    expect(strangle).toContain("Held together, a sold call and a sold put cannot both lose at expiry.");
    expect(strangle).not.toContain("bought leg");
    const spread = hedgeWords(condor, [leg("28000CE", "SELL"), leg("28200CE", "BUY")]) as string;
    expect(spread).toContain("Held together, a bought leg caps what the sold leg beside it can lose. The exchange");
  });
  it("says when nothing offsets, and nothing for one leg or an unknown figure", () => {
    const naked = { ...condor, margin_without_hedge: "91780.00", hedge_benefit: "0.00" };
    expect(hedgeWords(naked, wings.slice(0, 2))).toBe("No leg offsets another, so the structure needs what its legs need alone: ₹91,780.00.");
    expect(hedgeWords(condor, wings.slice(0, 1))).toBeNull();
    expect(hedgeWords({ ...condor, hedge_benefit: null }, wings)).toBeNull();
  });
});
