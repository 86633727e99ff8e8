// Sweep words: statuses and metrics as a person reads them.
import { pct, plain } from "@/format";
import type { MetricKey } from "./sweepForm";

const STATUS: Record<string, string> = {
  queued: "Waiting to start",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
};

export const statusWords = (status: string) => STATUS[status] ?? status;

/** Dark enough on the light badge to read (axe's contrast check). */
export const statusColor = (status: string) =>
  status === "completed" ? "#166534" : status === "running" || status === "queued" ? "#1e40af" : status === "failed" ? "#991b1b" : "gray.8";

export interface MetricInfo {
  key: MetricKey;
  label: string;
  percent: boolean;
  higherIsBetter: boolean;
  decimals: number; // every value of a column to the same places: 0.90 beside 2.15, not 0.9
}

export const METRICS: MetricInfo[] = [
  { key: "cagr", label: "CAGR", percent: true, higherIsBetter: true, decimals: 2 },
  { key: "total_return", label: "Total return", percent: true, higherIsBetter: true, decimals: 2 },
  { key: "sharpe", label: "Sharpe", percent: false, higherIsBetter: true, decimals: 2 },
  { key: "max_drawdown", label: "Max drawdown", percent: true, higherIsBetter: true, decimals: 2 },
  { key: "win_rate", label: "Win rate", percent: true, higherIsBetter: true, decimals: 2 },
  { key: "profit_factor", label: "Profit factor", percent: false, higherIsBetter: true, decimals: 2 },
  { key: "total_trades", label: "Trades", percent: false, higherIsBetter: true, decimals: 0 },
];

/** A metric's value as its column shows it: percents signed, the rest to the metric's places
 * in Indian grouping; a missing one (a ratio with nothing to divide by) a dash. */
export function metricFigure(value: number | null | undefined, metric: MetricInfo): string {
  return metric.percent ? pct(value, { signed: true, decimals: metric.decimals }) : plain(value, metric.decimals);
}
