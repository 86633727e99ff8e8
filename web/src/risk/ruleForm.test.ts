import { describe, expect, it } from "vitest";
import { bodyOf, draftOf, ruleLabel, scopeName, scopeOf, scopeOptions } from "./ruleForm";

const names = {
  portfolios: [{ id: 3, name: "Momentum 50", status: "active" }, { id: 4, name: "Old dips", status: "retired" }],
  runs: [{ strategy_run_id: "run_abc", name: "Nifty straddle", status: "open" }, { strategy_run_id: "run_x", name: null, status: "closed" }],
};
const rule = (portfolio_id: number | null, strategy_run_id: string | null) => ({ portfolio_id, strategy_run_id });

describe("risk rule form", () => {
  it("sends only the type's thresholds, blanks as null", () => {
    const draft = { ...draftOf(), type: "max_exposure" as const, threshold_amount: " 200000 ", threshold_count: "4" };
    expect(bodyOf(draft)).toEqual({
      type: "max_exposure", action: "block", enabled: true,
      threshold_amount: "200000", threshold_pct: null, threshold_count: null, portfolio_id: null, strategy_run_id: null,
      target_amount: null, trail_amount: null, book: null,
    });
  });
  it("sends an MTM exit's loss, target and trail, and no other type's", () => {
    const draft = { ...draftOf(), type: "mtm_exit" as const, threshold_amount: "5000", target_amount: "8000", trail_amount: "2000" };
    expect(bodyOf(draft)).toMatchObject({ threshold_amount: "5000", target_amount: "8000", trail_amount: "2000" });
    expect(bodyOf({ ...draft, type: "daily_loss_limit" })).toMatchObject({ target_amount: null, trail_amount: null });
  });
  it("turns counts into numbers, and a scope picked by name into its id", () => {
    const draft = { ...draftOf(), type: "max_open_positions" as const, threshold_count: "5", scope: "portfolio:3" };
    expect(bodyOf(draft)).toMatchObject({ threshold_count: 5, portfolio_id: 3, strategy_run_id: null, threshold_amount: null });
    expect(bodyOf({ ...draft, scope: "run:run_abc" })).toMatchObject({ portfolio_id: null, strategy_run_id: "run_abc" });
  });
  it("keeps a rule's scope through an edit (a worker run's too)", () => {
    expect(scopeOf(rule(3, null))).toBe("portfolio:3");
    expect(scopeOf(rule(null, "run_abc"))).toBe("run:run_abc");
    expect(scopeOf(rule(null, null))).toBe("");
    const edited = draftOf({ ...draftOf(), id: 1, type: "daily_loss_limit", action: "block", enabled: true, threshold_amount: "5000",
      threshold_pct: null, threshold_count: null, scope: "worker_run", portfolio_id: null, worker_run_id: 9, strategy_run_id: "run_abc",
      created_at: "", updated_at: "" } as never);
    expect(bodyOf(edited)).toMatchObject({ portfolio_id: null, strategy_run_id: "run_abc" });
  });
  it("offers the account, portfolios and runs by name, and names a scope whose row is gone", () => {
    expect(scopeOptions(names, "")).toEqual([
      { group: "Account", items: [{ value: "", label: "The whole account" }] },
      { group: "Model portfolios", items: [{ value: "portfolio:3", label: "Momentum 50" }, { value: "portfolio:4", label: "Old dips (closed)" }] },
      { group: "Worker runs", items: [{ value: "run:run_abc", label: "Nifty straddle" }, { value: "run:run_x", label: "run_x (closed)" }] },
    ]);
    expect(scopeOptions({ portfolios: [], runs: [] }, "portfolio:9")[1]).toEqual({ group: "Model portfolios", items: [{ value: "portfolio:9", label: "Portfolio #9" }] });
    expect(scopeName(names, "portfolio:3")).toBe("Momentum 50");
    expect(scopeName(names, "run:run_abc")).toBe("Nifty straddle");
    expect(scopeName(names, "")).toBe("Account");
  });
  it("offers an MTM exit the manual and live books, and keeps a book through an edit", () => {
    const groups = scopeOptions(names, "", true);
    expect(groups[1]).toEqual({ group: "Books", items: [
      { value: "book:manual", label: "Manual book (orders placed by hand)" },
      { value: "book:live:kite", label: "Live: Kite" },
      { value: "book:live:upstox", label: "Live: Upstox" },
      { value: "book:live:groww", label: "Live: Groww" },
    ] });
    expect(scopeOptions(names, "").map((g) => g.group)).not.toContain("Books");
    const draft = { ...draftOf(), type: "mtm_exit" as const, threshold_amount: "5000", scope: "book:live:kite" };
    expect(bodyOf(draft)).toMatchObject({ book: "live:kite", portfolio_id: null, strategy_run_id: null });
    expect(scopeOf({ portfolio_id: null, strategy_run_id: null, book: "manual" })).toBe("book:manual");
    expect(scopeName(names, "book:manual")).toBe("Manual book");
    expect(scopeName(names, "book:live:kite")).toBe("Live: Kite");
  });
  it("names the SEBI order-rate ceiling's refusals in words", () => {
    expect(ruleLabel("order_rate")).toBe("SEBI order-rate ceiling");
    expect(ruleLabel("kill_switch")).toBe("Kill switch");
    expect(ruleLabel("no_price")).toBe("No price to value the order");
  });
});
