import { useCallback, useSyncExternalStore } from "react";
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
