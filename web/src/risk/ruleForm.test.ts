import { describe, expect, it } from "vitest";
import { bodyOf, draftOf, ruleLabel } from "./ruleForm";

describe("risk rule form", () => {
  it("sends only the type's thresholds, blanks as null", () => {
    const draft = { ...draftOf(), type: "max_exposure" as const, threshold_amount: " 200000 ", threshold_count: "4" };
    expect(bodyOf(draft)).toEqual({
      type: "max_exposure", action: "block", enabled: true,
      threshold_amount: "200000", threshold_pct: null, threshold_count: null, portfolio_id: null,
    });
  });
  it("turns counts and portfolio ids into numbers", () => {
    const draft = { ...draftOf(), type: "max_open_positions" as const, threshold_count: "5", portfolio_id: "3" };
    expect(bodyOf(draft)).toMatchObject({ threshold_count: 5, portfolio_id: 3, threshold_amount: null });
  });
  it("names the SEBI order-rate ceiling's refusals in words", () => {
    expect(ruleLabel("order_rate")).toBe("SEBI order-rate ceiling");
    expect(ruleLabel("kill_switch")).toBe("Kill switch");
    expect(ruleLabel("no_price")).toBe("No price to value the order");
  });
});
