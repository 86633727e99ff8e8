import { useCallback, useSyncExternalStore } from "react";
import type { Position } from "@/portfolios/modelApi";
import { ticks } from "@/ticks/store";

type Marked = Pick<Position, "symbol" | "quantity" | "entry_price" | "unrealised_pnl">;

/** A position's open P&L at the price its row shows: quantity × (LTP − average), to the
 *  paisa; without a tick, the figure the API valued it at. */
export function markedPnl(p: Marked, ltp: number | undefined): number | null {
  if (ltp === undefined || !Number.isFinite(ltp)) return p.unrealised_pnl === null ? null : Number(p.unrealised_pnl);
  return Math.round((ltp - Number(p.entry_price)) * p.quantity * 100) / 100;
}

/** The rows' open P&L added up, each at the price its row shows (so the total is the sum
 *  of the rows on screen, not a figure polled at another instant). */
export function markedTotal(rows: Marked[], ltpOf: (symbol: string) => number | undefined): number {
  return rows.reduce((sum, p) => sum + Math.round((markedPnl(p, ltpOf(p.symbol)) ?? 0) * 100), 0) / 100;
}

/** `markedTotal` on the live tick stream, re-rendered as the rows' prices move. */
export function useMarkedTotal(rows: Marked[]): number {
  const store = ticks();
  const subscribe = useCallback(
    (listener: () => void) => {
      const stops = rows.map((p) => store.watch(p.symbol, listener, "ltp"));
      return () => stops.forEach((stop) => stop());
    },
    [store, rows],
  );
  return useSyncExternalStore(subscribe, () => markedTotal(rows, (symbol) => store.get(symbol)?.ltp));
}
