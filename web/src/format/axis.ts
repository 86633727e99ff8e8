// Chart axes: where the ticks go and what they read. A money axis speaks one unit for all its
// ticks (crore, lakh, or rupees in Indian grouping below a lakh) with the fewest decimals that
// still tell every tick apart: ₹4.9 L, ₹5.0 L, ₹5.1 L, never "₹5 L" four times.
import { inr } from "./money";

const CRORE = 1e7;
const LAKH = 1e5;

/** Whether `x` is written exactly with `decimals` places (to float noise). */
function exactAt(x: number, decimals: number): boolean {
  const scaled = x * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, Math.abs(scaled));
}

/** The fewest places (up to `most`) that write every value exactly, else the fewest that
 * tell them apart, else `most`. */
function placesFor(values: readonly number[], most: number): number {
  for (let d = 0; d <= most; d++) if (values.every((x) => exactAt(x, d))) return d;
  const distinct = new Set(values).size;
  for (let d = 0; d <= most; d++) if (new Set(values.map((x) => x.toFixed(d))).size === distinct) return d;
  return most;
}

/** Labels for a money axis's ticks, in the order given: one unit for all of them, chosen by the
 * largest (₹1.25 Cr, ₹12.50 L, ₹45,000), zero as ₹0, and the places the ticks need. */
export function moneyTicks(values: readonly number[]): string[] {
  const biggest = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs));
  if (biggest < LAKH) {
    const places = placesFor(values, 2);
    return values.map((v) => (Math.abs(v) < 0.5 * 10 ** -places ? "₹0" : inr(v, places)));
  }
  const [unit, word] = biggest >= CRORE ? [CRORE, "Cr"] : [LAKH, "L"];
  const scaled = values.map((v) => v / unit);
  const places = placesFor(scaled, 4);
  return scaled.map((x) => {
    const text = Math.abs(x).toFixed(places);
    if (Number(text) === 0) return "₹0";
    return `${x < 0 ? "-" : ""}₹${text} ${word}`;
  });
}

/** Labels for a percent axis's ticks: the places they need, at most two (-5%, -2.5%, 0%). */
export function percentTicks(values: readonly number[]): string[] {
  const places = placesFor(values, 2);
  return values.map((v) => `${(Math.abs(v) < 0.5 * 10 ** -places ? 0 : v).toFixed(places)}%`);
}

/** Labels for a plain axis's ticks (an index rebased to 100): the places they need, at most two. */
export function plainTicks(values: readonly number[]): string[] {
  const places = placesFor(values, 2);
  return values.map((v) => (Math.abs(v) < 0.5 * 10 ** -places ? 0 : v).toFixed(places));
}

/** Round ticks from `low` to `high` (about `count` of them, at 1, 2, 2.5 or 5 × 10ⁿ apart),
 * zero among them whenever the range holds it; from the top down, as an axis reads. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (high < low) [low, high] = [high, low];
  if (high === low) return [high];
  const rough = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const steps = [0.5, 1, 2, 2.5, 5, 10].map((m) => m * power);
  // the first round step as wide as asked, or a finer one when that leaves a single tick
  for (let k = steps.findIndex((s) => s >= rough); k >= 0; k--) {
    const ticks = ticksAt(low, high, steps[k]!);
    if (ticks.length >= 2 || k === 0) return ticks;
  }
  return [];
}

function ticksAt(low: number, high: number, step: number): number[] {
  const first = Math.ceil(low / step - 1e-9);
  const last = Math.floor(high / step + 1e-9);
  const ticks: number[] = [];
  for (let i = last; i >= first; i--) ticks.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  return ticks;
}
