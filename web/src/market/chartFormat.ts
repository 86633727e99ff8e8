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
