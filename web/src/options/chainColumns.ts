// The option chain's columns: what each shows of a contract (every figure is the API's,
// greeks included; this only formats them), which a trader may pick, and the defaults a
// desk and a phone start with. Calls read outward from the strike as puts do (mirrored).
import { lakhs, plain, qty } from "@/format";
import type { Contract } from "./optionApi";

export type ColumnKey = "oi" | "oi_change" | "volume" | "bid" | "ask" | "iv" | "delta" | "gamma" | "theta" | "vega";

export interface ChainColumn {
  key: ColumnKey;
  /** the header, short enough for a narrow cell */
  label: string;
  /** the picker's words, with the unit */
  title: string;
  /** the contract's figure as the cell shows it; `compact` for a phone (lakh, crore) */
  cell: (c: Contract, compact: boolean) => string;
}

const fixed = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? "—" : v.toFixed(digits));
const signed = (v: number | null | undefined, digits: number) => {
  const text = fixed(v, digits);
  return v !== null && v !== undefined && v > 0 && Number(text) !== 0 ? `+${text}` : text;
};
const count = (v: number | null | undefined, compact: boolean, sign = false) => {
  if (compact) return lakhs(v, { signed: sign });
  const text = qty(v);
  return sign && v !== null && v !== undefined && v > 0 ? `+${text}` : text;
};

export const COLUMNS: readonly ChainColumn[] = [
  { key: "oi", label: "OI", title: "Open interest (units)", cell: (c, compact) => count(c.oi, compact) },
  { key: "oi_change", label: "OI chg", title: "OI change since the previous session", cell: (c, compact) => count(c.oi_change, compact, true) },
  { key: "volume", label: "Volume", title: "Volume today (units)", cell: (c, compact) => count(c.volume, compact) },
  { key: "bid", label: "Bid", title: "Bid (₹)", cell: (c) => plain(c.bid) },
  { key: "ask", label: "Ask", title: "Ask (₹)", cell: (c) => plain(c.ask) },
  { key: "iv", label: "IV %", title: "Implied volatility (%)", cell: (c) => fixed(c.iv, 1) },
  { key: "delta", label: "Delta", title: "Delta", cell: (c) => fixed(c.delta, 2) },
  { key: "gamma", label: "Gamma", title: "Gamma", cell: (c) => fixed(c.gamma, 4) },
  { key: "theta", label: "Theta", title: "Theta (₹ per day)", cell: (c) => signed(c.theta, 2) },
  { key: "vega", label: "Vega", title: "Vega (₹ per IV point)", cell: (c) => fixed(c.vega, 2) },
];

/** What a desk starts with (fits 1280 px beside the menu); the rest are a click away. */
export const DESK_COLUMNS: readonly ColumnKey[] = ["oi", "oi_change", "volume", "iv", "delta"];
/** What a phone starts with: OI beside each LTP, as Sensibull's app shows it. */
export const PHONE_COLUMNS: readonly ColumnKey[] = ["oi"];

const KEYS = new Set<string>(COLUMNS.map((c) => c.key));

/** The picked columns in the chain's order (a stored pick may hold names since dropped). */
export function shownColumns(picked: readonly string[]): ChainColumn[] {
  const wanted = new Set(picked.filter((k) => KEYS.has(k)));
  return COLUMNS.filter((c) => wanted.has(c.key));
}

// What a row needs besides the picked columns (strike, both LTPs and trade buttons) and what
// each picked column adds across both sides, in px, measured at 1440 and 390 px.
const FRAME = { desk: 520, phone: 290 };
const PER_COLUMN = { desk: 135, phone: 70 };

/** How many columns a chain `width` px wide shows without scrolling sideways (at least one;
 * all of them before it is measured). */
export function columnsThatFit(width: number, phone: boolean): number {
  if (!width) return COLUMNS.length;
  const kind = phone ? "phone" : "desk";
  return Math.min(COLUMNS.length, Math.max(1, Math.floor((width - FRAME[kind]) / PER_COLUMN[kind])));
}

/** Which side of the strike is in the money, for shading: the API says, per contract. */
export function itmSide(row: { call: Contract | null; put: Contract | null }): { call: boolean; put: boolean } {
  return { call: row.call?.itm === true, put: row.put?.itm === true };
}
