import { describe, expect, it } from "vitest";
import { METRICS, metricFigure } from "./words";

const metric = (key: string) => METRICS.find((m) => m.key === key)!;

describe("a sweep's figures", () => {
  it("shows a ratio to two places whatever its value, so a column lines up", () => {
    expect(metricFigure(-0.9, metric("sharpe"))).toBe("-0.90");
    expect(metricFigure(2.15, metric("sharpe"))).toBe("2.15");
    expect(metricFigure(1, metric("profit_factor"))).toBe("1.00");
  });
  it("counts trades in whole numbers, the Indian way", () => {
    expect(metricFigure(12, metric("total_trades"))).toBe("12");
    expect(metricFigure(123456, metric("total_trades"))).toBe("1,23,456");
  });
  it("signs percents and dashes what has no value", () => {
    expect(metricFigure(17.49, metric("cagr"))).toBe("+17.49%");
    expect(metricFigure(null, metric("sharpe"))).toBe("—");
    expect(metricFigure(Number.POSITIVE_INFINITY, metric("profit_factor"))).toBe("—");
  });
});
