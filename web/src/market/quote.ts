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
