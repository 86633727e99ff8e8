// The chart's pure logic for drawings and indicators: where a drawing's points sit on the
// time axis of any interval, the Fibonacci retracement's levels, the two-click plan of a
// line, indicator names from the server's forms, and a label's place inside the pane (never
// over the price scale). Rendering is in chartPrimitives.ts; the figures come from the API.
import type { ChartInterval, ChartTime } from "./chartFormat";

export type DrawingKind = "trend" | "horizontal" | "fibonacci";
export type Anchor = { time: number; price: number };

/** The retracement ratios traders draw, 0 at the second point (the swing's end). */
export const FIB_RATIOS = [0, 0.236, 0.382, 0.5, 0.618, 0.786, 1] as const;

/** Each ratio's price between the swing's start `from` and its end `to`. */
export function fibLevels(from: number, to: number): { ratio: number; price: number }[] {
  return FIB_RATIOS.map((ratio) => ({ ratio, price: Math.round((to - (to - from) * ratio) * 100) / 100 }));
}

/** A chart time as seconds: a day's ("2026-11-20") is its 00:00 UTC, a minute's is itself. */
export function secondsOf(time: ChartTime): number {
  return typeof time === "number" ? time : Math.floor(Date.parse(`${time}T00:00:00Z`) / 1000);
}

/** Seconds back to the chart time of `interval` (a day chart reads the day). */
export function timeOf(seconds: number, interval: ChartInterval): ChartTime {
  if (interval === "day" || interval === "week") return new Date(seconds * 1000).toISOString().slice(0, 10);
  return seconds;
}

/** The candle a point falls on: the last candle at or before `seconds` (the first if none).
 *  A point drawn on a day chart sits on that day's first candle of an intraday chart, and a
 *  minute's on its day's candle of a day chart. `times` ascend. */
export function candleAt(times: number[], seconds: number): number | null {
  if (times.length === 0) return null;
  let lo = 0;
  let hi = times.length - 1;
  if (seconds < times[0]!) return times[0]!;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (times[mid]! <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return times[lo]!;
}

/** Points each kind takes. */
export const POINTS: Record<DrawingKind, number> = { horizontal: 1, trend: 2, fibonacci: 2 };

/** One click of a drawing tool: the points so far, and whether the drawing is complete. */
export function addPoint(pending: Anchor[], kind: DrawingKind, point: Anchor): { points: Anchor[]; done: boolean } {
  const points = [...pending, point];
  if (points.length === 2 && points[0]!.time === point.time && points[0]!.price === point.price) {
    return { points: pending, done: false }; // the same spot twice: wait for the second point
  }
  return { points, done: points.length >= POINTS[kind] };
}

export type IndicatorForm = {
  pattern: string; kind: string; description: string; place: "price" | "pane"; template: string;
  params: { letter: string; low: number; high: number; default: number }[];
};

/** The indicator's name from its form and parameter values (`sma{0}` with 20 is `sma20`);
 *  null when a value is outside the form's range. */
export function nameOf(form: IndicatorForm, values: number[]): string | null {
  let name = form.template;
  for (const [i, p] of form.params.entries()) {
    const v = values[i];
    if (v === undefined || !Number.isInteger(v) || v < p.low || v > p.high) return null;
    name = name.replace(`{${i}}`, String(v));
  }
  return name;
}

/** The chart's indicators when first opened: SMA 20 and Bollinger bands on price, RSI 14 and
 *  MACD below (the names the strategies use). */
export const DEFAULT_INDICATORS = [
  "sma20", "bb20_upper", "bb20_middle", "bb20_lower", "rsi14", "macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist",
];
/** At most this many series per request (the server's limit). */
export const MAX_INDICATORS = 10;

/** Where a label `width` wide starts so that it lies inside a pane `paneWidth` wide, to the
 *  left of `x` preferred, never past the pane's right edge (the price scale's side). */
export function labelLeft(x: number, width: number, paneWidth: number, pad = 4): number {
  return Math.max(pad, Math.min(x + pad, paneWidth - width - pad));
}

/** Which pane each indicator is drawn in: price ones on the candles (0), each other family
 *  (a MACD's line, signal and histogram together) in a pane of its own, in order. */
export function panesFor(names: string[], placeOf: (name: string) => "price" | "pane"): Map<string, number> {
  const out = new Map<string, number>();
  const families: string[] = [];
  for (const name of names) {
    if (placeOf(name) === "price") {
      out.set(name, 0);
      continue;
    }
    const family = name.replace(/_(signal|hist|d)$/, "");
    let index = families.indexOf(family);
    if (index < 0) index = families.push(family) - 1;
    out.set(name, index + 1);
  }
  return out;
}

/** Where the keyboard's point is: on candle `index` of the chart, at `price`. */
export type KeyCursor = { index: number; price: number };
/** What a key does on the chart while a drawing tool is active (null: nothing, let it be). */
export type KeyAction =
  | { kind: "move"; cursor: KeyCursor }
  | { kind: "place" }
  | { kind: "remove" }
  | { kind: "cancel" };

/** The price the arrow keys move the point by: about 0.1 % of `price`, on the 5-paise grid
 *  (₹1.50 at ₹1,500); Shift moves ten times as far. */
export function priceStep(price: number): number {
  return Math.max(0.05, Math.round((Math.abs(price) * 0.001) / 0.05) * 0.05);
}

/** A key on the chart while drawing: ← → a candle (Shift: ten), Home End the first and last,
 *  ↑ ↓ the price by `step` (Shift: ten steps), Enter or Space places the point, Delete or
 *  Backspace takes back the last point placed, Escape stops. `candles` is how many there are. */
export function keyAction(key: string, shift: boolean, cursor: KeyCursor, candles: number, step: number): KeyAction | null {
  const last = Math.max(candles - 1, 0);
  const by = shift ? 10 : 1;
  const at = (index: number) => ({ kind: "move" as const, cursor: { ...cursor, index: Math.min(Math.max(index, 0), last) } });
  const priced = (delta: number) => ({
    kind: "move" as const, cursor: { ...cursor, price: Math.max(0.05, Math.round((cursor.price + delta) * 100) / 100) },
  });
  switch (key) {
    case "ArrowLeft": return at(cursor.index - by);
    case "ArrowRight": return at(cursor.index + by);
    case "Home": return at(0);
    case "End": return at(last);
    case "ArrowUp": return priced(step * by);
    case "ArrowDown": return priced(-step * by);
    case "Enter": case " ": return { kind: "place" };
    case "Delete": case "Backspace": return { kind: "remove" };
    case "Escape": return { kind: "cancel" };
    default: return null;
  }
}
