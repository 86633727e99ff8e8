import { describe, expect, it } from "vitest";
import { slicePlan, slicePlanText } from "./freeze";

// NIFTY: lot 65, freeze 1,800 → a slice is 27 lots, 1,755.
describe("slicePlan", () => {
  it("goes whole within the freeze quantity, or without one", () => {
    expect(slicePlan(1755, 1800, 65, 10)).toEqual({ kind: "whole" });
    expect(slicePlan(100_000, null, 1, 10)).toEqual({ kind: "whole" });
  });

  it("slices above it in whole lots", () => {
    const plan = slicePlan(2 * 1755 + 3 * 65, 1800, 65, 10);
    expect(plan).toEqual({ kind: "sliced", count: 3, per: 1755, freeze: 1800 });
    expect(slicePlanText(plan)).toBe("Above the freeze quantity 1,800: will go in 3 slices of at most 1,755.");
  });

  it("refuses past the venue's cap and says the most it may send", () => {
    const plan = slicePlan(10 * 1755 + 65, 1800, 65, 10);
    expect(plan.kind).toBe("refused");
    expect(slicePlanText(plan)).toBe("Above the freeze quantity 1,800 it needs 11 slices; at most 10 are allowed: send at most 17,550.");
    expect(slicePlan(10 * 1755 + 65, 1800, 65, 25).kind).toBe("sliced"); // Upstox's 25
  });
});
