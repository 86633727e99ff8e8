// A market-watch row's figures from a tick: the day's change against the previous close
// (the tick's `ohlc.close`), and the percentage the server sends as `change`.
import type { Tick } from "@/ticks/store";

export interface QuoteFigures {
  ltp: number;
  change: number | null;
  changePct: number | null;
}

/** LTP, change and % change; null figures while the previous close is unknown. */
export function quoteFigures(tick: Tick | undefined): QuoteFigures | null {
  if (!tick || typeof tick.ltp !== "number") return null;
  const prev = tick.ohlc?.close;
  if (typeof prev !== "number" || prev <= 0) {
    return { ltp: tick.ltp, change: null, changePct: typeof tick.change === "number" ? tick.change : null };
  }
  // Rounded to the paisa so float noise (1520.5 - 1500.3) never shows as 20.199999.
  const change = Math.round((tick.ltp - prev) * 100) / 100;
  const changePct = typeof tick.change === "number" ? tick.change : Math.round((change / prev) * 1e6) / 1e4;
  return { ltp: tick.ltp, change, changePct };
}

/** What the depth view reads of a quote: the tick socket's full mode or the REST quote. */
export interface DepthLevel { price: number; quantity: number; orders: number }
export interface DepthQuote {
  depth?: { buy: DepthLevel[]; sell: DepthLevel[] };
  ohlc?: { open: number; high: number; low: number; close: number };
  volume?: unknown;
  last_quantity?: unknown;
  timestamp?: unknown;
  /** "rest": the broker's REST quote filled it while the feed was quiet (the tick socket's
   * `source`, the REST quote's `price_source`) */
  source?: unknown;
  price_source?: unknown;
}

/** Whether a quote's price came from the broker's REST quote rather than the feed's socket. */
export function fromRest(quote: DepthQuote | undefined): boolean {
  return quote?.source === "rest" || quote?.price_source === "rest";
}

export interface DepthRows {
  /** five rows, best first; a side's empty level (Kite pads a thin book with zeros) is absent */
  levels: { bid?: DepthLevel; offer?: DepthLevel }[];
  totalBid: number;
  totalOffer: number;
}

const real = (level: DepthLevel | undefined): DepthLevel | undefined =>
  level && level.price > 0 && level.quantity > 0 ? level : undefined;

/** Five rows of bids beside offers, and each side's total quantity over them. */
export function depthRows(quote: DepthQuote | undefined): DepthRows {
  const buy = quote?.depth?.buy ?? [];
  const sell = quote?.depth?.sell ?? [];
  const levels = Array.from({ length: 5 }, (_, i) => ({ bid: real(buy[i]), offer: real(sell[i]) }));
  const total = (side: DepthLevel[]) => side.slice(0, 5).reduce((sum, l) => sum + (real(l)?.quantity ?? 0), 0);
  return { levels, totalBid: total(buy), totalOffer: total(sell) };
}
