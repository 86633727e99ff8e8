// Building a structure from the chain: a contract clicked Buy or Sell becomes a leg (the
// same contract again changes its lots), and a few common spreads from the ATM row.
import { instant, istToday } from "@/format";
import type { Chain, PayoffLeg } from "./optionApi";

export type Side = "BUY" | "SELL";

/** `legs` with one more lot of `symbol` on `side` (opposite sides net off; zero drops it). */
export function addLeg(legs: PayoffLeg[], symbol: string, side: Side): PayoffLeg[] {
  const i = legs.findIndex((l) => l.tradingsymbol === symbol);
  if (i < 0) return [...legs, { tradingsymbol: symbol, transaction_type: side, lots: 1 }];
  const leg = legs[i] as PayoffLeg;
  const signed = (leg.transaction_type === "BUY" ? leg.lots : -leg.lots) + (side === "BUY" ? 1 : -1);
  if (signed === 0) return legs.filter((_, j) => j !== i);
  const next: PayoffLeg = { tradingsymbol: symbol, transaction_type: signed > 0 ? "BUY" : "SELL", lots: Math.abs(signed) };
  return legs.map((l, j) => (j === i ? next : l));
}

export type Preset = "bull_call" | "bear_put" | "long_straddle" | "iron_condor";

export const PRESETS: { value: Preset; label: string }[] = [
  { value: "bull_call", label: "Bull call spread" },
  { value: "bear_put", label: "Bear put spread" },
  { value: "long_straddle", label: "Long straddle" },
  { value: "iron_condor", label: "Iron condor" },
];

/** A preset's legs around the chain's ATM strike (`width` strikes apart), one lot each. */
export function presetLegs(chain: Chain, preset: Preset, width = 2): PayoffLeg[] {
  const rows = chain.rows;
  const atm = rows.findIndex((r) => Number(r.strike) === Number(chain.atm_strike));
  if (atm < 0) return [];
  const call = (k: number) => rows[atm + k]?.call?.tradingsymbol;
  const put = (k: number) => rows[atm + k]?.put?.tradingsymbol;
  const leg = (symbol: string | undefined, side: Side): PayoffLeg[] => (symbol ? [{ tradingsymbol: symbol, transaction_type: side, lots: 1 }] : []);
  switch (preset) {
    case "bull_call":
      return [...leg(call(0), "BUY"), ...leg(call(width), "SELL")];
    case "bear_put":
      return [...leg(put(0), "BUY"), ...leg(put(-width), "SELL")];
    case "long_straddle":
      return [...leg(call(0), "BUY"), ...leg(put(0), "BUY")];
    case "iron_condor":
      return [...leg(put(-2 * width), "BUY"), ...leg(put(-width), "SELL"), ...leg(call(width), "SELL"), ...leg(call(2 * width), "BUY")];
  }
}

/** The expiry to open with: the nearest one that does not expire on the market's day
 * (`asOf`, the spot's time), since a same-day expiry has no time value left to show. */
export function openingExpiry(expiries: string[], asOf: string | null): string | null {
  if (!asOf) return expiries[0] ?? null;
  const when = instant(asOf);
  const today = when ? istToday(when) : "";
  return expiries.find((d) => d > today) ?? expiries[0] ?? null;
}
