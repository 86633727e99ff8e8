// Where the API's payoff points fall on the chart: spot across, P&L up. Only scaling; the
// figures are the API's.
import { toNumber } from "@/format";
import type { Payoff } from "./optionApi";

/** The drawing's size and its margins: `pad` on every side, or `left` there (the axis labels). */
export interface Frame { width: number; height: number; pad: number; left?: number }

export interface Scaled {
  expiry: string; // SVG polyline points
  today: string;
  zeroY: number;
  x: (spot: number) => number;
  y: (pnl: number) => number;
  low: number;
  high: number;
  minSpot: number;
  maxSpot: number;
}

export function scale(payoff: Payoff, frame: Frame): Scaled {
  const pts = payoff.points.map((p) => ({ s: toNumber(p.spot) ?? 0, e: toNumber(p.at_expiry) ?? 0, t: toNumber(p.today) ?? 0 }));
  const minSpot = Math.min(...pts.map((p) => p.s));
  const maxSpot = Math.max(...pts.map((p) => p.s));
  let low = Math.min(0, ...pts.map((p) => Math.min(p.e, p.t)));
  let high = Math.max(0, ...pts.map((p) => Math.max(p.e, p.t)));
  if (high === low) { high += 1; low -= 1; }
  const margin = (high - low) * 0.08;
  low -= margin;
  high += margin;
  const { width, height, pad, left = pad } = frame;
  const x = (s: number) => left + ((s - minSpot) / (maxSpot - minSpot || 1)) * (width - left - pad);
  const y = (v: number) => pad + ((high - v) / (high - low)) * (height - 2 * pad);
  const line = (get: (p: { s: number; e: number; t: number }) => number) =>
    pts.map((p) => `${x(p.s).toFixed(1)},${y(get(p)).toFixed(1)}`).join(" ");
  return { expiry: line((p) => p.e), today: line((p) => p.t), zeroY: y(0), x, y, low, high, minSpot, maxSpot };
}
