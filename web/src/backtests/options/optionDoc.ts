// The options leg builder's values, the strategy document they make (backtest/options/
// strategy.py is its schema), AlgoTest's presets, and the API's 422 paths back onto the
// builder's fields ("strategy.legs[0].strike.delta" → leg 1's strike input).
import type { components } from "@/api/schema";

export type OptionRunRequest = components["schemas"]["OptionBacktestRequest"];
export type OptionStrategyDoc = OptionRunRequest["strategy"];

export type Unit = "points" | "pct" | "rupees";
export type StrikeMode = "atm" | "closest_premium" | "premium_gte" | "premium_lte" | "delta" | "spot_pct";
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const MAX_LEGS = 10;

export interface LegValues {
  key: number; // React's, never sent
  option_type: "CE" | "PE" | "FUT"; // FUT: the underlying's future (no strike)
  side: "buy" | "sell";
  lots: string;
  expiry: string; // "weekly:0" … "monthly:1"
  strike_mode: StrikeMode;
  strike_value: string; // ATM offset, premium, delta or % of spot
  sl_unit: Unit | "";
  sl_value: string;
  target_unit: Unit | "";
  target_value: string;
  trail_every: string; // in the stop-loss's unit
  trail_by: string;
  break_even_at: string; // in the stop-loss's unit
  reentry_times: string;
  reentry_strike: "same" | "reselect";
}

export type EntryWait = "none" | "range_breakout" | "momentum";

export interface OptionValues {
  name: string;
  underlying: string;
  resolution: "daily" | "minute";
  hold: "intraday" | "expiry";
  entry_time: string; // "09:20" (minute data)
  exit_time: string; // "15:15" (minute data)
  // minute data: the entry may wait for the underlying (or a premium) to move first
  entry_wait: EntryWait;
  range_minutes: string; // the opening range's length from 09:15
  range_breaks: "high" | "low";
  momentum_on: "underlying" | "premium";
  momentum_move: "up" | "down";
  momentum_unit: "points" | "pct";
  momentum_value: string;
  legs: LegValues[];
  entry_weekdays: Weekday[];
  days_to_expiry: string; // "0, 1" or empty: any day
  exit_sl_unit: "rupees" | "pct" | "";
  exit_sl_value: string;
  exit_target_unit: "rupees" | "pct" | "";
  exit_target_value: string;
  move_sl_to_cost: boolean;
  days_before_expiry: string;
  lock_reach: string; // profit lock (₹): once the P&L reaches this, exit at lock_at
  lock_at: string;
  lock_every: string; // and each further lock_every raises it by lock_by
  lock_by: string;
  slippage_unit: "points" | "pct";
  slippage_value: string;
  charges: "zerodha" | "none";
  capital: string;
  start_date: string;
  end_date: string;
  seed: string;
  data: "synthetic" | "import";
}

let nextKey = 1;

export function newLeg(over: Partial<LegValues> = {}): LegValues {
  return {
    key: nextKey++, option_type: "CE", side: "sell", lots: "1", expiry: "weekly:0",
    strike_mode: "atm", strike_value: "0", sl_unit: "", sl_value: "", target_unit: "", target_value: "",
    trail_every: "", trail_by: "", break_even_at: "", reentry_times: "", reentry_strike: "reselect",
    ...over,
  };
}

export const initialOptions: OptionValues = {
  name: "Weekly short straddle",
  underlying: "NIFTY",
  resolution: "daily",
  hold: "expiry",
  entry_time: "09:20",
  exit_time: "15:15",
  entry_wait: "none",
  range_minutes: "15",
  range_breaks: "high",
  momentum_on: "underlying",
  momentum_move: "up",
  momentum_unit: "pct",
  momentum_value: "0.5",
  legs: [],
  entry_weekdays: [...WEEKDAYS],
  days_to_expiry: "",
  exit_sl_unit: "",
  exit_sl_value: "",
  exit_target_unit: "",
  exit_target_value: "",
  move_sl_to_cost: false,
  days_before_expiry: "",
  lock_reach: "",
  lock_at: "",
  lock_every: "",
  lock_by: "",
  slippage_unit: "points",
  slippage_value: "0.5",
  charges: "zerodha",
  capital: "500000",
  start_date: "2025-02-03",
  end_date: "2025-03-28",
  seed: "7",
  data: "synthetic",
};

export type PresetName = "short_straddle" | "short_strangle" | "iron_condor";

export const PRESETS: { name: PresetName; label: string }[] = [
  { name: "short_straddle", label: "Short straddle" },
  { name: "short_strangle", label: "Short strangle" },
  { name: "iron_condor", label: "Iron condor" },
];

const stop30 = { sl_unit: "pct" as const, sl_value: "30" };

/** One click's legs: sold ATM straddle with 30 % stops and one re-entry; a strangle two
 * strikes out; an iron condor (sold two out, bought four out). */
export function presetLegs(name: PresetName): LegValues[] {
  switch (name) {
    case "short_straddle":
      return (["CE", "PE"] as const).map((t) => newLeg({ option_type: t, side: "sell", ...stop30, reentry_times: "1" }));
    case "short_strangle":
      return [newLeg({ option_type: "CE", strike_value: "2", ...stop30 }), newLeg({ option_type: "PE", strike_value: "-2", ...stop30 })];
    case "iron_condor":
      return [
        newLeg({ option_type: "CE", side: "sell", strike_value: "2" }),
        newLeg({ option_type: "CE", side: "buy", strike_value: "4" }),
        newLeg({ option_type: "PE", side: "sell", strike_value: "-2" }),
        newLeg({ option_type: "PE", side: "buy", strike_value: "-4" }),
      ];
  }
}

export function applyPreset(v: OptionValues, name: PresetName): OptionValues {
  const label = PRESETS.find((p) => p.name === name)?.label ?? name;
  return { ...v, name: `Weekly ${label.toLowerCase()}`, legs: presetLegs(name) };
}

/** A number when the text is one ("1,00,000" loses its grouping); otherwise the text, for the
 * API to refuse by name. */
export function number(text: string): number {
  const t = text.trim().replace(/,/g, "");
  return (t !== "" && Number.isFinite(Number(t)) ? Number(t) : t) as number;
}

const filled = (text: string) => text.trim() !== "";

function amount(unit: string, value: string): { unit: Unit; value: number } | undefined {
  return unit && filled(value) ? { unit: unit as Unit, value: number(value) } : undefined;
}

type LegDoc = OptionStrategyDoc["legs"][number];

function strike(leg: LegValues): LegDoc["strike"] {
  const value = number(leg.strike_value);
  switch (leg.strike_mode) {
    case "atm": return { type: "atm", offset: filled(leg.strike_value) ? value : 0 };
    case "delta": return { type: "delta", delta: value };
    case "spot_pct": return { type: "spot_pct", pct: value };
    default: return { type: leg.strike_mode, premium: value };
  }
}

export function legDocument(leg: LegValues): LegDoc {
  const [kind, nth] = leg.expiry.split(":");
  const future = leg.option_type === "FUT"; // the nth listed future: monthly, no strike
  const doc: LegDoc = {
    option_type: leg.option_type,
    side: leg.side,
    lots: number(leg.lots),
    expiry: { kind: kind === "monthly" || future ? "monthly" : "weekly", nth: Number(nth ?? 0) },
  };
  if (!future) doc.strike = strike(leg);
  const unit = leg.sl_unit || "points";
  const stop = amount(leg.sl_unit, leg.sl_value);
  if (stop) doc.stop_loss = stop;
  const target = amount(leg.target_unit, leg.target_value);
  if (target) doc.target = target;
  if (filled(leg.trail_every) || filled(leg.trail_by)) {
    doc.trailing = { every: { unit, value: number(leg.trail_every) }, by: { unit, value: number(leg.trail_by) } };
  }
  if (filled(leg.break_even_at)) doc.break_even_at = { unit, value: number(leg.break_even_at) };
  if (filled(leg.reentry_times)) doc.reentry = { times: number(leg.reentry_times), strike: leg.reentry_strike };
  return doc;
}

/** "0, 1 2" → [0, 1, 2]; a word stays for the API to name. */
function dayList(text: string): number[] {
  return text.split(/[\s,;]+/).filter(Boolean).map(number);
}

type EntryDoc = NonNullable<OptionStrategyDoc["entry"]>;

/** The entry: weekdays; at minute resolution its time, and what it waits for (a breakout of
 * the opening range, or a move of the underlying or the premium). */
function entryDocument(v: OptionValues): EntryDoc {
  const entry: EntryDoc = { weekdays: v.entry_weekdays };
  if (v.resolution !== "minute") return entry;
  entry.time = v.entry_time;
  if (v.entry_wait === "range_breakout") {
    entry.range_breakout = { minutes: number(v.range_minutes), breaks: v.range_breaks };
  } else if (v.entry_wait === "momentum") {
    entry.momentum = { on: v.momentum_on, move: v.momentum_move, unit: v.momentum_unit, value: number(v.momentum_value) };
  }
  return entry;
}

/** The request body: a daily (bhavcopy) or minute run of the builder's document on the
 * chosen chains. */
export function toRequest(v: OptionValues): OptionRunRequest {
  const strategy: OptionStrategyDoc = {
    name: v.name.trim() || "Options strategy",
    underlying: v.underlying.trim().toUpperCase(),
    resolution: v.resolution,
    hold: v.hold,
    legs: v.legs.map(legDocument),
    entry: entryDocument(v),
    exit: v.resolution === "minute" ? { move_sl_to_cost: v.move_sl_to_cost, time: v.exit_time } : { move_sl_to_cost: v.move_sl_to_cost },
    slippage: { unit: v.slippage_unit, value: filled(v.slippage_value) ? number(v.slippage_value) : 0 },
    charges: v.charges,
    capital: number(v.capital),
  };
  if (filled(v.days_to_expiry) && strategy.entry) strategy.entry.days_to_expiry = dayList(v.days_to_expiry);
  const exit = strategy.exit as NonNullable<OptionStrategyDoc["exit"]>;
  const sl = amount(v.exit_sl_unit, v.exit_sl_value);
  if (sl) exit.stop_loss = sl;
  const target = amount(v.exit_target_unit, v.exit_target_value);
  if (target) exit.target = target;
  if (v.hold === "expiry" && filled(v.days_before_expiry)) exit.days_before_expiry = number(v.days_before_expiry);
  if (filled(v.lock_reach) || filled(v.lock_at)) {
    exit.lock_profit = { reach: number(v.lock_reach), lock: number(v.lock_at) };
    if (filled(v.lock_every) || filled(v.lock_by)) {
      exit.lock_profit.every = number(v.lock_every);
      exit.lock_profit.by = number(v.lock_by);
    }
  }
  return { strategy, start_date: v.start_date, end_date: v.end_date, data: v.data, seed: number(v.seed) };
}

// The builder's field for each place a document's error can name.
const LEG_FIELDS = new Set(["option_type", "side", "lots", "expiry", "strike", "stop_loss", "target", "trailing", "break_even_at", "reentry"]);
const SECTION_FIELDS: Record<string, Set<string>> = {
  entry: new Set(["weekdays", "days_to_expiry", "time", "rule", "range_breakout", "momentum"]),
  exit: new Set(["stop_loss", "target", "lock_profit", "move_sl_to_cost", "days_before_expiry", "time"]),
  slippage: new Set(["unit", "value"]),
};

/** The builder's key for an API error's field: "strategy.legs[0].strike.offset" →
 * "legs.0.strike"; "strategy.exit.stop_loss.value" → "exit.stop_loss"; "end_date" →
 * "end_date"; a leg's own rule ("strategy.legs[1]") → "legs.1". */
export function builderKey(field: string): string {
  const parts = field.replace(/^body\./, "").replace(/^strategy\.?/, "").replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean);
  if (parts.length === 0) return "document";
  const [head, second, third] = parts as [string, string?, string?];
  if (head === "legs") {
    if (second === undefined || !/^\d+$/.test(second)) return "legs";
    return third && LEG_FIELDS.has(third) ? `legs.${second}.${third}` : `legs.${second}`;
  }
  const known = SECTION_FIELDS[head];
  if (known) return second && known.has(second) ? `${head}.${second}` : head;
  return head;
}

/** The API's field errors keyed for the builder (the first message a field gets stays). */
export function builderErrors(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const key = builderKey(field);
    if (!(key in out)) out[key] = message;
  }
  return out;
}
