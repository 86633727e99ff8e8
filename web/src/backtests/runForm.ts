// The run form's values, the request they make, and back: a stored run's config refills the
// form (run again) and carries over to a model portfolio (deploy).
import type { DeployValues } from "@/portfolios/deployForm";
import { initialDeploy } from "@/portfolios/deployForm";
import type { RunRequest } from "./backtestApi";

export const CUSTOM = "custom";

export interface RunValues {
  strategy_id: string;
  universe: string; // a universe name, or CUSTOM for the symbol list
  symbols: string;
  start_date: string;
  end_date: string;
  starting_capital: string;
  position_size_pct: string;
  max_positions: string;
  max_per_sector: string;
  slippage_bps: string;
  fill_at: "next_open" | "close";
  charges: "zerodha" | "none" | "flat";
  flat_pct: string;
  interval: Interval;
  product: "" | "CNC" | "MIS"; // "": the API's default (CNC on days, MIS intraday)
}

export type Interval = NonNullable<RunRequest["interval"]>;

/** The bars a run may use, in words: day candles, or minute candles folded into bars. */
export const INTERVALS: { value: Interval; label: string }[] = [
  { value: "day", label: "Day" },
  { value: "minute", label: "1 minute" },
  { value: "3minute", label: "3 minutes" },
  { value: "5minute", label: "5 minutes" },
  { value: "15minute", label: "15 minutes" },
  { value: "30minute", label: "30 minutes" },
  { value: "60minute", label: "60 minutes" },
];

export const initialRun: RunValues = {
  strategy_id: "",
  universe: "nifty_100",
  symbols: "",
  start_date: "2020-01-01",
  end_date: "2026-01-01",
  starting_capital: "1000000",
  position_size_pct: "10",
  max_positions: "10",
  max_per_sector: "",
  slippage_bps: "5",
  fill_at: "next_open",
  charges: "zerodha",
  flat_pct: "0.1",
  interval: "day",
  product: "",
};

/** "RELIANCE, infy\nNSE:TCS" → ["RELIANCE", "INFY", "NSE:TCS"] (commas, spaces or lines; no repeats). */
export function parseSymbols(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/[\s,;]+/)) {
    const s = raw.trim().toUpperCase();
    if (s) seen.add(s);
  }
  return [...seen];
}

/** A number when the text is one ("1,00,000" loses its grouping); otherwise the text, for the
 * API to refuse by name. */
function number(text: string): number {
  const t = text.trim().replace(/,/g, "");
  return (t !== "" && Number.isFinite(Number(t)) ? Number(t) : t) as number;
}

/** The request body of these values; an empty optional field is left to the API's default. */
export function toRunBody(v: RunValues): RunRequest {
  const body: RunRequest = {
    strategy_id: number(v.strategy_id),
    universe: v.universe === CUSTOM ? parseSymbols(v.symbols) : v.universe,
    start_date: v.start_date,
    end_date: v.end_date,
    starting_capital: number(v.starting_capital),
    position_size_pct: number(v.position_size_pct),
    max_positions: number(v.max_positions),
    slippage_bps: number(v.slippage_bps),
    fill_at: v.fill_at,
    charges: v.charges === "flat" ? { flat_pct: number(v.flat_pct) } : v.charges,
  };
  if (v.max_per_sector.trim() !== "") body.max_per_sector = number(v.max_per_sector);
  if (v.interval !== "day") body.interval = v.interval;
  if (v.product) body.product = v.product;
  return body;
}

type Config = Record<string, unknown>;

const text = (value: unknown, fallback: string) => (value === null || value === undefined ? fallback : String(value));

/** A stored run's config back into the form (to run it again, changed or not). */
export function fromRunConfig(config: Config, strategyId: number | null): RunValues {
  const universe = config.universe;
  const charges = config.charges;
  return {
    strategy_id: strategyId ? String(strategyId) : "",
    universe: Array.isArray(universe) ? CUSTOM : text(universe, initialRun.universe),
    symbols: Array.isArray(universe) ? universe.join(", ") : "",
    start_date: text(config.start_date, initialRun.start_date),
    end_date: text(config.end_date, initialRun.end_date),
    starting_capital: text(config.starting_capital, initialRun.starting_capital),
    position_size_pct: text(config.position_size_pct, initialRun.position_size_pct),
    max_positions: text(config.max_positions, initialRun.max_positions),
    max_per_sector: text(config.max_per_sector, ""),
    slippage_bps: text(config.slippage_bps, initialRun.slippage_bps),
    fill_at: config.fill_at === "close" ? "close" : "next_open",
    charges: typeof charges === "object" && charges !== null ? "flat" : charges === "none" ? "none" : "zerodha",
    flat_pct: typeof charges === "object" && charges !== null ? text((charges as Config).flat_pct, "0.1") : initialRun.flat_pct,
    interval: INTERVALS.find((i) => i.value === config.interval)?.value ?? "day",
    product: config.product === "CNC" || config.product === "MIS" ? config.product : "",
  };
}

/** A model portfolio with the run's settings: its strategy, universe (a named one: portfolios
 * do not run on symbol lists), capital, sizing, caps, slippage and fill timing. */
export function deployFromRun(config: Config, strategyId: number, name: string): DeployValues {
  const universe = config.universe;
  return {
    ...initialDeploy,
    strategy_id: String(strategyId),
    name,
    universe: typeof universe === "string" ? universe : initialDeploy.universe,
    starting_capital: text(config.starting_capital, initialDeploy.starting_capital),
    position_size_pct: text(config.position_size_pct, initialDeploy.position_size_pct),
    max_positions: text(config.max_positions, initialDeploy.max_positions),
    max_per_sector: text(config.max_per_sector, ""),
    slippage_bps: text(config.slippage_bps, initialDeploy.slippage_bps),
    paper_fill: config.fill_at === "close" ? "close" : "next_open",
    paper_mode: true,
  };
}
