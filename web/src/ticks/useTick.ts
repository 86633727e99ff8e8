import { useCallback, useEffect, useReducer, useSyncExternalStore } from "react";
import { type Mode, type Tick, ticks } from "./store";

/** The latest tick of `symbol` (re-renders at most once per animation frame). */
export function useTick(symbol: string | null | undefined, mode: Mode = "quote"): Tick | undefined {
  const store = ticks();
  const subscribe = useCallback(
    (listener: () => void) => (symbol ? store.watch(symbol, listener, mode) : () => {}),
    [store, symbol, mode],
  );
  return useSyncExternalStore(subscribe, () => (symbol ? store.get(symbol) : undefined));
}

/** Whether the tick socket is connected. */
export function useTicksConnected(): boolean {
  const store = ticks();
  return useSyncExternalStore(
    (l) => store.watchStatus(l),
    () => store.connected,
  );
}

/** The latest ticks of `symbols`, as a lookup that re-renders the caller when any of them
 * ticks (at most once per animation frame): a total over many rows reads the same ticks as
 * its rows without one hook per row. */
export function useTicks(symbols: readonly string[], mode: Mode = "quote"): (symbol: string) => Tick | undefined {
  const store = ticks();
  const key = [...new Set(symbols)].sort().join("\n");
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const stops = key ? key.split("\n").map((symbol) => store.watch(symbol, bump, mode)) : [];
    return () => stops.forEach((stop) => stop());
  }, [store, key, mode]);
  return (symbol) => store.get(symbol);
}
