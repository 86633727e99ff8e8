// Price-axis labels: rupees in Indian grouping, lakh/crore once a price runs to six figures.
import { inr, istToday, lakhCrore } from "@/format";

export function priceLabel(value: number): string {
  return Math.abs(value) >= 1e5 ? lakhCrore(value) : inr(value);
}

/** "2024-01-05T00:00:00+05:30" → "2024-01-05" (a daily candle's business day). */
export function dayOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/** Today's date in IST as YYYY-MM-DD (the forming candle's day). */
export { istToday };

/** The chart's candle intervals (the API's names): intraday ones folded from minutes from
 * 09:15 IST, weeks from Monday. */
export type ChartInterval = "minute" | "3minute" | "5minute" | "15minute" | "30minute" | "60minute" | "day" | "week";
export const INTERVALS: { value: ChartInterval; label: string; candles: string }[] = [
  { value: "minute", label: "1 minute", candles: "Minute" },
  { value: "3minute", label: "3 minutes", candles: "3-minute" },
  { value: "5minute", label: "5 minutes", candles: "5-minute" },
  { value: "15minute", label: "15 minutes", candles: "15-minute" },
  { value: "30minute", label: "30 minutes", candles: "30-minute" },
  { value: "60minute", label: "1 hour", candles: "Hourly" },
  { value: "day", label: "1 day", candles: "Daily" },
  { value: "week", label: "1 week", candles: "Weekly" },
];
/** A day candle's business day ("2024-01-05"), or a minute's instant in seconds shifted by
 * IST's offset: lightweight-charts labels its axis in UTC, so the shift makes it read IST. */
export type ChartTime = string | number;

const IST_OFFSET_S = 330 * 60;
const SESSION_OPEN_S = (9 * 60 + 15) * 60;

/** Minutes in an intraday interval's candle; null for a day or a week. */
export function intervalMinutes(interval: ChartInterval): number | null {
  if (interval === "day" || interval === "week") return null;
  return interval === "minute" ? 1 : Number(interval.replace("minute", ""));
}

/** The Monday (YYYY-MM-DD) of a day's week. */
export function mondayOf(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** The chart's time of the candle holding an instant (ISO with an offset): its day, its
 * week's Monday, or the start of its intraday bucket counted from 09:15 IST (as the API's
 * candles are; a minute before 09:15 is its own). */
export function chartTime(timestamp: string, interval: ChartInterval): ChartTime {
  const minutes = intervalMinutes(interval);
  if (minutes === null) {
    const day = istToday(new Date(timestamp.length === 10 ? `${timestamp}T12:00:00+05:30` : timestamp));
    return interval === "week" ? mondayOf(day) : day;
  }
  const local = Math.floor(new Date(timestamp).getTime() / 1000) + IST_OFFSET_S;
  const midnight = local - (((local % 86_400) + 86_400) % 86_400);
  const into = local - midnight;
  const size = minutes * 60;
  const afterOpen = into - SESSION_OPEN_S;
  return midnight + (afterOpen >= 0 ? SESSION_OPEN_S + afterOpen - (afterOpen % size) : into - (into % 60));
}

export interface Candle { time: ChartTime; open: number; high: number; low: number; close: number; volume: number }

/** The forming candle after a tick: the last candle extended when the tick falls in it, else
 * a new one. A day's candle is the tick's day so far (its open, high and low); a week's
 * takes the day's range into the week's; an intraday candle starts at the tick's price.
 * Null for a tick older than the last candle. */
export function formingCandle(
  last: Candle | null,
  tick: { ltp: number; timestamp: string; ohlc?: { open: number; high: number; low: number } },
  interval: ChartInterval,
): Candle | null {
  const time = chartTime(tick.timestamp, interval);
  if (last && time < last.time) return null;
  const same = last?.time === time ? last : null;
  const ltp = tick.ltp;
  const day = interval === "day" || interval === "week" ? tick.ohlc : undefined;
  const open = interval === "day" ? (day?.open ?? same?.open ?? ltp) : (same?.open ?? day?.open ?? ltp);
  const high = Math.max(day?.high ?? ltp, ltp, same?.high ?? ltp);
  const low = Math.min(day?.low ?? ltp, ltp, same?.low ?? ltp);
  return { time, open, high, low, close: ltp, volume: same?.volume ?? 0 };
}

/** Volume in Indian words: 12,345 · 1.2 L · 3.4 Cr (no rupee sign: shares, not money). */
export function volumeLabel(volume: number): string {
  return lakhCrore(volume).replace("₹", "");
}

export interface Fill { filled_at: string; side: string; quantity: number; price: string | number }
export interface Marker { time: ChartTime; position: "belowBar" | "aboveBar"; shape: "arrowUp" | "arrowDown"; color: string; text: string }

/** What a marker says of a buy and of a sell ("Bought 10", or a backtest's "Entry 10"). */
export interface MarkerWords { buy: string; sell: string }
const FILLED: MarkerWords = { buy: "Bought", sell: "Sold" };

/** One marker per candle and side (fills in one candle add up), on candles the chart has. */
export function fillMarkers(fills: Fill[], interval: ChartInterval, times: Set<ChartTime>, said: MarkerWords = FILLED): Marker[] {
  const grouped = new Map<string, { time: ChartTime; buy: boolean; quantity: number }>();
  for (const f of fills) {
    const time = chartTime(f.filled_at, interval);
    if (!times.has(time)) continue;
    const buy = f.side === "BUY";
    const key = `${time}|${buy}`;
    const at = grouped.get(key) ?? { time, buy, quantity: 0 };
    at.quantity += f.quantity;
    grouped.set(key, at);
  }
  return [...grouped.values()]
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
    .map((g) => ({
      time: g.time,
      position: g.buy ? "belowBar" : "aboveBar",
      shape: g.buy ? "arrowUp" : "arrowDown",
      color: g.buy ? "#0b7285" : "#c92a2a",
      text: `${g.buy ? said.buy : said.sell} ${g.quantity}`,
    }));
}

/** A backtest trade to mark on its instrument's chart: run, dates, prices and size. */
export interface MarkedTrade { run: number; entry: string; exit: string; quantity: number; entryPrice: number; exitPrice: number }

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The chart link of a backtest trade: the days around it, its entry and exit marked. */
export function tradeChartPath(symbol: string, t: MarkedTrade): string {
  const q = new URLSearchParams({
    run: String(t.run), entry: t.entry, exit: t.exit, qty: String(t.quantity), in: String(t.entryPrice), out: String(t.exitPrice),
  });
  return `/chart/${encodeURIComponent(symbol.replace(/^NSE:/, ""))}?${q.toString()}`;
}

/** The trade a chart link names, or null when it names none (or a malformed one). */
export function tradeFromSearch(q: URLSearchParams): MarkedTrade | null {
  const entry = q.get("entry") ?? "";
  const exit = q.get("exit") ?? "";
  const run = Number(q.get("run"));
  const quantity = Number(q.get("qty"));
  const entryPrice = Number(q.get("in"));
  const exitPrice = Number(q.get("out"));
  if (!DAY.test(entry) || !DAY.test(exit) || exit < entry) return null;
  if (![run, quantity, entryPrice, exitPrice].every((n) => Number.isFinite(n) && n > 0)) return null;
  return { run, entry, exit, quantity, entryPrice, exitPrice };
}

function shiftDay(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The days a trade's chart shows: two months before its entry to a month after its exit. */
export function tradeWindow(t: MarkedTrade): { from: string; to: string } {
  return { from: shiftDay(t.entry, -60), to: shiftDay(t.exit, 30) };
}

/** The trade as fills (a long: bought at entry, sold at exit) for `fillMarkers`. */
export function tradeFills(t: MarkedTrade): Fill[] {
  return [
    { filled_at: t.entry, side: "BUY", quantity: t.quantity, price: t.entryPrice },
    { filled_at: t.exit, side: "SELL", quantity: t.quantity, price: t.exitPrice },
  ];
}

export const TRADE_WORDS: MarkerWords = { buy: "Entry", sell: "Exit" };
