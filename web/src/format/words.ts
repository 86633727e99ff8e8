// Words, not identifiers: what the API names in snake_case or CAPITALS, said as a trader
// reads it ("pending_approval" → "Pending approval", "nifty_100" → "NIFTY 100").

import { instrumentLabel } from "./instrument";

const KNOWN: Record<string, string> = {
  pending_approval: "Pending approval",
  in_cart: "In cart",
  exit_pending: "Exit pending",
  order_placed: "Order placed",
  waiting_open: "Waiting for the open",
  not_triggered: "Not triggered",
  no_bar: "No price that day",
  max_positions: "Max positions reached",
  max_per_sector: "Sector full",
  atr_stop: "ATR stop",
  gap_down: "Gap down",
  block: "Blocks",
  warn: "Warns",
  COMPLETE: "Complete",
  OPEN: "Open",
  "TRIGGER PENDING": "Trigger pending",
  "AMO REQ RECEIVED": "AMO received",
  CANCELLED: "Cancelled",
  REJECTED: "Rejected",
  CNC: "CNC",
  MIS: "MIS",
  NRML: "NRML",
};

/** A universe as NSE names it ("nifty_next_50" → "NIFTY Next 50", "nifty_bank" → "NIFTY
 * Bank"); a custom symbol list by its size; other keys in words. */
export function universeName(universe: unknown): string {
  if (Array.isArray(universe)) return universe.length === 1 ? instrumentLabel(String(universe[0])) : `${universe.length} symbols`;
  const key = String(universe ?? "");
  if (!/^nifty(_|$)/i.test(key)) return words(key);
  return key
    .split("_")
    .map((w, i) => (i === 0 ? "NIFTY" : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(" ");
}

// An indicator's short name, maybe with its length ("rsi", "sma20"): written as traders write
// it ("RSI", "SMA 20") wherever it turns up in a name.
const INDICATOR = /^(sma|ema|wma|rsi|atr|macd|adx|vwap|obv|roc|cci|bb)(\d*)$/i;

/** A name in words as its author wrote it (an exit rule's, say: "TP_hit" stays "TP hit",
 * "stop-loss" keeps its hyphen): de-snaked, first letter up, indicators in capitals ("rsi_overbought" → "RSI overbought",
 * "sma20_cross" → "SMA 20 cross"). */
export function nameWords(name: string): string {
  const said = name
    .replace(/_+/g, " ")
    .trim()
    .split(/ +/)
    .map((w) => {
      const m = INDICATOR.exec(w);
      return m ? `${(m[1] as string).toUpperCase()}${m[2] ? ` ${m[2]}` : ""}` : w;
    })
    .join(" ");
  return said.charAt(0).toUpperCase() + said.slice(1);
}

/** An identifier in words: known ones as written above, others (CAPITALS lowered) as
 * `nameWords` says them. */
export function words(value: string | null | undefined): string {
  if (!value) return "";
  const known = KNOWN[value];
  if (known) return known;
  const spaced = value.replace(/-+/g, " ");
  return nameWords(spaced === spaced.toUpperCase() ? spaced.toLowerCase() : spaced);
}
