import { describe, expect, it } from "vitest";
import { byExitReason, chargesShare, compareMetrics, exitReasonName, filterTrades, monthlyReturns } from "./analysis";

describe("monthly returns", () => {
  it("chains month ends, the first month against the first day, and compounds the year", () => {
    const rows = monthlyReturns([
      { date: "2025-11-03", equity: 100 },
      { date: "2025-11-28", equity: 110 },
      { date: "2025-12-31", equity: 99 },
      { date: "2026-01-30", equity: 99 },
    ]);
    expect(rows.map((r) => r.year)).toEqual([2025, 2026]);
    const [y2025, y2026] = rows;
    expect(y2025!.months[10]!.pct).toBeCloseTo(10);
    expect(y2025!.months[11]!.pct).toBeCloseTo(-10);
    expect(y2025!.months[0]).toBeNull();
    expect(y2025!.total).toBeCloseTo(-1); // 1.1 × 0.9 − 1
    expect(y2026!.months[0]!.pct).toBeCloseTo(0);
  });

  it("is empty without a curve", () => expect(monthlyReturns([])).toEqual([]));
});

describe("exit reasons and charges", () => {
  const trades = [
    { exit_reason: "rsi_overbought", pnl: 500, charges: 40, symbol: "NSE:INFY" },
    { exit_reason: "sma20_cross", pnl: -200, charges: 35, symbol: "NSE:TCS" },
    { exit_reason: "rsi_overbought", pnl: 300, charges: 25, symbol: "NSE:RELIANCE" },
  ];

  it("groups by reason, most trades first", () => {
    expect(byExitReason(trades)).toEqual([
      { reason: "rsi_overbought", trades: 2, wins: 2, pnl: 800, charges: 65 },
      { reason: "sma20_cross", trades: 1, wins: 0, pnl: -200, charges: 35 },
    ]);
  });

  it("puts charges against the gross", () => {
    const share = chargesShare(trades);
    expect(share).toMatchObject({ charges: 100, net: 600, gross: 700 });
    expect(share.ofGross).toBeCloseTo(14.2857, 3);
  });

  it("names reasons in words", () => {
    expect(exitReasonName("end_of_data")).toBe("Still open at the end");
    expect(exitReasonName("rsi_overbought")).toBe("RSI overbought");
    expect(exitReasonName("sma20_cross")).toBe("SMA 20 cross");
    expect(exitReasonName("trailing_stop")).toBe("Trailing stop");
  });

  it("filters by symbol, reason and outcome", () => {
    expect(filterTrades(trades, { symbol: "inf", reason: null, outcome: "all" }).map((t) => t.symbol)).toEqual(["NSE:INFY"]);
    expect(filterTrades(trades, { symbol: "", reason: "rsi_overbought", outcome: "all" })).toHaveLength(2);
    expect(filterTrades(trades, { symbol: "", reason: null, outcome: "losses" }).map((t) => t.symbol)).toEqual(["NSE:TCS"]);
  });
});

describe("comparison", () => {
  it("marks differing metrics and the single best value", () => {
    const rows = compareMetrics([
      { cagr: 12.5, max_drawdown: -20, total_trades: 40, total_charges: 900, sharpe: null },
      { cagr: 14, max_drawdown: -25, total_trades: 40, total_charges: 800, sharpe: 1.1 },
    ]);
    const row = (key: string) => rows.find((r) => r.metric.key === key)!;
    expect(row("cagr")).toMatchObject({ differs: true, best: 1 });
    expect(row("max_drawdown")).toMatchObject({ differs: true, best: 0 }); // −20 % is the shallower
    expect(row("total_trades")).toMatchObject({ differs: false, best: null });
    expect(row("total_charges")).toMatchObject({ best: 1 });
    expect(row("sharpe")).toMatchObject({ values: [null, 1.1], differs: true, best: 1 });
  });

  it("names no best on a tie", () => {
    const rows = compareMetrics([{ cagr: 10 }, { cagr: 10 }, { cagr: 5 }]);
    expect(rows[1]).toMatchObject({ differs: true, best: null });
  });

  it("reads money sent as decimal strings, over the metrics it is given", () => {
    const metrics = [
      { key: "net", label: "Net P&L", unit: "inr" as const, better: "higher" as const },
      { key: "charges", label: "Charges", unit: "inr" as const, better: "lower" as const },
    ];
    const rows = compareMetrics([{ net: "18211.19", charges: "183.81" }, { net: "-1500.00", charges: "" }], metrics);
    expect(rows.map((r) => r.metric.key)).toEqual(["net", "charges"]);
    expect(rows[0]).toMatchObject({ values: [18211.19, -1500], best: 0 });
    expect(rows[1]).toMatchObject({ values: [183.81, null], best: 0 });
  });
});
