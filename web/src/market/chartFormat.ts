// Price-axis labels: rupees in Indian grouping, lakh/crore once a price runs to six figures.
import { inr, lakhCrore } from "@/format";

export function priceLabel(value: number): string {
  return Math.abs(value) >= 1e5 ? lakhCrore(value) : inr(value);
}

/** "2024-01-05T00:00:00+05:30" → "2024-01-05" (a daily candle's business day). */
export function dayOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/** Today's date in IST as YYYY-MM-DD (the forming candle's day). */
export function istToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 330 * 60_000).toISOString().slice(0, 10);
}

export type ChartInterval = "day" | "minute";
/** A day candle's business day ("2024-01-05"), or a minute's instant in seconds shifted by
 * IST's offset: lightweight-charts labels its axis in UTC, so the shift makes it read IST. */
export type ChartTime = string | number;

const IST_OFFSET_S = 330 * 60;

/** The chart's time of an instant (ISO with an offset) on the given interval's axis. */
export function chartTime(timestamp: string, interval: ChartInterval): ChartTime {
  if (interval === "day") return istToday(new Date(timestamp.length === 10 ? `${timestamp}T12:00:00+05:30` : timestamp));
  const seconds = Math.floor(new Date(timestamp).getTime() / 1000);
  return seconds - (seconds % 60) + IST_OFFSET_S;
}

/** Volume in Indian words: 12,345 · 1.2 L · 3.4 Cr (no rupee sign: shares, not money). */
export function volumeLabel(volume: number): string {
  return lakhCrore(volume).replace("₹", "");
}

export interface Fill { filled_at: string; side: string; quantity: number; price: string | number }
export interface Marker { time: ChartTime; position: "belowBar" | "aboveBar"; shape: "arrowUp" | "arrowDown"; color: string; text: string }

/** One marker per candle and side (fills in one candle add up), on candles the chart has. */
export function fillMarkers(fills: Fill[], interval: ChartInterval, times: Set<ChartTime>): Marker[] {
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
      text: `${g.buy ? "Bought" : "Sold"} ${g.quantity}`,
    }));
}
