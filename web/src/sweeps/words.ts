// Sweep words: statuses and metrics as a person reads them.
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
}

export const METRICS: MetricInfo[] = [
  { key: "cagr", label: "CAGR", percent: true, higherIsBetter: true },
  { key: "total_return", label: "Total return", percent: true, higherIsBetter: true },
  { key: "sharpe", label: "Sharpe", percent: false, higherIsBetter: true },
  { key: "max_drawdown", label: "Max drawdown", percent: true, higherIsBetter: true },
  { key: "win_rate", label: "Win rate", percent: true, higherIsBetter: true },
  { key: "profit_factor", label: "Profit factor", percent: false, higherIsBetter: true },
  { key: "total_trades", label: "Trades", percent: false, higherIsBetter: true },
];
