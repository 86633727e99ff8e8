// What the results page draws from a run the API returned: month-by-month returns off the
// equity curve, trades grouped by exit reason, the comparison's metric table. Figures are the
// API's; these only regroup them.
import { nameWords } from "@/format";
import type { Day, Trade } from "./backtestApi";

export interface MonthCell {
  month: number; // 1..12
  pct: number;
}

export interface YearRow {
  year: number;
  months: (MonthCell | null)[]; // index 0 = January
  total: number;
}

/** Each month's return (its last close against the previous month's, the first month against
 * the run's first day), by year, with the year's compounded total. */
export function monthlyReturns(curve: Pick<Day, "date" | "equity">[]): YearRow[] {
  if (curve.length === 0) return [];
  const ends = new Map<string, number>();
  for (const day of curve) ends.set(day.date.slice(0, 7), Number(day.equity));
  const years = new Map<number, YearRow>();
  let previous = Number(curve[0]!.equity);
  for (const [key, end] of ends) {
    const year = Number(key.slice(0, 4));
    const month = Number(key.slice(5, 7));
    let row = years.get(year);
    if (!row) {
      row = { year, months: new Array<MonthCell | null>(12).fill(null), total: 1 };
      years.set(year, row);
    }
    const pct = previous > 0 ? (end / previous - 1) * 100 : 0;
    row.months[month - 1] = { month, pct };
    row.total *= 1 + pct / 100;
    previous = end;
  }
  return [...years.values()].map((r) => ({ ...r, total: (r.total - 1) * 100 }));
}

const REASONS: Record<string, string> = {
  end_of_data: "Still open at the end",
  max_hold: "Maximum hold reached",
  atr_stop: "ATR stop",
  gap_down: "Gap down",
};

/** An exit reason in words: the engine's own, or an exit rule's name, its indicators as
 * traders write them ("rsi_overbought" → "RSI overbought", "sma20_cross" → "SMA 20 cross"). */
export function exitReasonName(reason: string): string {
  return REASONS[reason] ?? nameWords(reason);
}

export interface ReasonRow {
  reason: string;
  trades: number;
  wins: number;
  pnl: number;
  charges: number;
}

/** Trades by exit reason, most trades first: count, winners, net P&L and charges. */
export function byExitReason(trades: Pick<Trade, "exit_reason" | "pnl" | "charges">[]): ReasonRow[] {
  const rows = new Map<string, ReasonRow>();
  for (const t of trades) {
    const row = rows.get(t.exit_reason) ?? { reason: t.exit_reason, trades: 0, wins: 0, pnl: 0, charges: 0 };
    row.trades += 1;
    if (Number(t.pnl) > 0) row.wins += 1;
    row.pnl += Number(t.pnl);
    row.charges += Number(t.charges);
    rows.set(t.exit_reason, row);
  }
  return [...rows.values()].sort((a, b) => b.trades - a.trades || a.reason.localeCompare(b.reason));
}

/** Charges against what the trades made before them (gross = net P&L + charges). */
export function chargesShare(trades: Pick<Trade, "pnl" | "charges">[]) {
  let charges = 0;
  let net = 0;
  for (const t of trades) {
    charges += Number(t.charges);
    net += Number(t.pnl);
  }
  const gross = net + charges;
  return { charges, net, gross, perTrade: trades.length ? charges / trades.length : 0, ofGross: gross > 0 ? (charges / gross) * 100 : null };
}

export interface TradeFilter {
  symbol: string;
  reason: string | null;
  outcome: "all" | "wins" | "losses";
}

export function filterTrades<T extends Pick<Trade, "symbol" | "exit_reason" | "pnl">>(trades: T[], f: TradeFilter): T[] {
  const needle = f.symbol.trim().toUpperCase();
  return trades.filter(
    (t) =>
      (!needle || t.symbol.toUpperCase().includes(needle)) &&
      (!f.reason || t.exit_reason === f.reason) &&
      (f.outcome === "all" || (f.outcome === "wins" ? Number(t.pnl) > 0 : Number(t.pnl) <= 0)),
  );
}

export interface Metric {
  key: string;
  label: string;
  unit: "pct" | "inr" | "ratio" | "count" | "days";
  better: "higher" | "lower" | null;
}

/** The comparison's metrics, in the order a trader reads them (keys of the API's summary). */
export const METRICS: Metric[] = [
  { key: "total_return", label: "Total return", unit: "pct", better: "higher" },
  { key: "cagr", label: "CAGR", unit: "pct", better: "higher" },
  { key: "max_drawdown", label: "Max drawdown", unit: "pct", better: "higher" }, // negative: nearer 0 is better
  { key: "sharpe", label: "Sharpe", unit: "ratio", better: "higher" },
  { key: "sortino", label: "Sortino", unit: "ratio", better: "higher" },
  { key: "calmar", label: "Calmar", unit: "ratio", better: "higher" },
  { key: "win_rate", label: "Win rate", unit: "pct", better: "higher" },
  { key: "profit_factor", label: "Profit factor", unit: "ratio", better: "higher" },
  { key: "total_trades", label: "Closed trades", unit: "count", better: null },
  { key: "avg_hold_days", label: "Average hold", unit: "days", better: null },
  { key: "exposure_pct", label: "Time invested", unit: "pct", better: null },
  { key: "expectancy", label: "Expectancy per trade", unit: "inr", better: "higher" },
  { key: "total_charges", label: "Charges", unit: "inr", better: "lower" },
  { key: "final_equity", label: "Final equity", unit: "inr", better: "higher" },
  { key: "benchmark_return", label: "Benchmark return", unit: "pct", better: null },
];

export interface MetricRow {
  metric: Metric;
  values: (number | null)[];
  /** The values are not all the same. */
  differs: boolean;
  /** Index of the best value when the metric has a direction and the values differ. */
  best: number | null;
}

/** One row per metric (the equity runs' `METRICS` unless given) over 2–4 runs' summaries: do
 * they differ, and which is best. A figure sent as a decimal string (money) reads as a number. */
export function compareMetrics(summaries: Record<string, unknown>[], metrics: Metric[] = METRICS): MetricRow[] {
  return metrics.map((metric) => {
    const values = summaries.map((s) => {
      const raw = s[metric.key];
      const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    });
    const known = values.filter((v): v is number => v !== null);
    const differs = new Set(values).size > 1;
    let best: number | null = null;
    if (metric.better && differs && known.length > 0) {
      const target = metric.better === "higher" ? Math.max(...known) : Math.min(...known);
      const hits = values.filter((v) => v === target).length;
      best = hits === 1 ? values.indexOf(target) : null;
    }
    return { metric, values, differs, best };
  });
}
