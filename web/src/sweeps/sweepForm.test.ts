import { describe, expect, it } from "vitest";
import type { SweepVariant } from "./sweepApi";
import { axisSize, gridSize, heatGrid, initialSweep, parseAxis, suggestValues, toSweepBody } from "./sweepForm";

const metrics = (cagr: number) => ({
  cagr, total_return: cagr, max_drawdown: -5, sharpe: 1, sortino: 1, calmar: 1, win_rate: 50,
  profit_factor: 1, expectancy: 0, total_trades: 3, exposure_pct: 50, final_equity: 1, first_day: "2024-01-01",
  last_day: "2024-06-01",
});
const row = (index: number, params: Record<string, number>, inside: number, outside: number): SweepVariant => ({
  index, params, in_sample: metrics(inside), out_of_sample: metrics(outside), error: null,
});

describe("sweep form", () => {
  it("reads lists and ranges as the server counts them", () => {
    expect(parseAxis("10, 14 20")).toEqual({ values: [10, 14, 20] });
    expect(parseAxis("5 to 50 step 5")).toEqual({ start: 5, stop: 50, step: 5 });
    expect(parseAxis("ten")).toBeNull();
    expect(axisSize("5 to 50 step 5")).toBe(10);
    expect(axisSize("0.1 to 0.5 step 0.1")).toBe(5);
    expect(axisSize("3, 3, 4")).toBe(2);
    expect(gridSize([{ path: "a", label: "", values: "1,2" }, { path: "b", label: "", values: "1 to 3 step 1" }])).toBe(6);
  });

  it("suggests whole values around an indicator length", () => {
    expect(suggestValues(14, true)).toBe("7, 11, 14, 18, 21");
    expect(suggestValues(null, true)).toBe("5, 10, 20");
  });

  it("makes the request body", () => {
    const body = toSweepBody({
      strategy_id: "3", universe: "nifty_50", symbols: "", start_date: "2021-01-01", end_date: "2026-01-01",
      split_date: "2024-01-01", max_variants: "50", axes: [{ path: "config.min_hold", label: "Minimum hold", values: "0 to 10 step 5" }],
    });
    expect(body.parameters).toEqual([{ path: "config.min_hold", label: "Minimum hold", start: 0, stop: 10, step: 5 }]);
    expect(body.max_variants).toBe(50);
    expect(body.universe).toBe("nifty_50");
    const custom = toSweepBody({ ...initialSweep, universe: "custom", symbols: "infy, TCS\ninfy  reliance" });
    expect(custom.universe).toEqual(["INFY", "TCS", "RELIANCE"]);
  });

  it("lays a metric over two parameters, each part apart, averaging a third", () => {
    const rows = [
      row(0, { a: 1, b: 10, c: 0 }, 4, -1), row(1, { a: 1, b: 10, c: 1 }, 6, -3),
      row(2, { a: 2, b: 10, c: 0 }, 8, 2), row(3, { a: 2, b: 20, c: 0 }, 1, 1),
    ];
    const inside = heatGrid(rows, "a", "b", "in_sample", "cagr");
    expect(inside.xs).toEqual([1, 2]);
    expect(inside.ys).toEqual([10, 20]);
    expect(inside.cells).toEqual([[5, 8], [null, 1]]);
    expect(inside.variants).toEqual([[[0, 1], [2]], [[], [3]]]); // the runs each cell opens
    expect(inside.averaged).toBe(true);
    expect(heatGrid(rows, "a", "b", "out_of_sample", "cagr").cells).toEqual([[-2, 2], [null, 1]]);
  });
});
