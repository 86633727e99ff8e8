// What the books share: the portfolio queries, field access to the API's Kite-shaped rows
// (the API types them as open dicts, so fields are read with a check, not cast to a
// hand-written type), and the live last price.
import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { inr } from "@/format";
import { useTick } from "@/ticks/useTick";

export type Row = Record<string, unknown>;

export const num = (row: Row, key: string): number => {
  const v = row[key];
  return typeof v === "number" ? v : Number(v ?? Number.NaN);
};
export const str = (row: Row, key: string): string => {
  const v = row[key];
  return v === null || v === undefined ? "" : String(v);
};
export const symbolOf = (row: Row): string => `${str(row, "exchange")}:${str(row, "tradingsymbol")}`;

/** Kite's order-book times are IST wall-clock text ("2026-11-23 10:21:59"): shown as is. */
export const clockTime = (value: string): string => (value.length > 10 ? value.slice(11, 19) : value);

const REFRESH_MS = 5_000;

export function useOrders() {
  return useQuery({
    queryKey: ["portfolio", "orders"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/orders")) as Row[],
    refetchInterval: REFRESH_MS,
  });
}
export function useTrades() {
  return useQuery({
    queryKey: ["portfolio", "trades"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/trades")) as Row[],
    refetchInterval: REFRESH_MS,
  });
}
export function usePositions() {
  return useQuery({
    queryKey: ["portfolio", "positions"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/positions")) as { net?: Row[]; day?: Row[] },
    refetchInterval: REFRESH_MS,
  });
}
export function useHoldings() {
  return useQuery({
    queryKey: ["portfolio", "holdings"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/holdings")) as Row[],
    refetchInterval: REFRESH_MS,
  });
}
export function useMargins() {
  return useQuery({
    queryKey: ["portfolio", "margins"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/margins")) as Record<string, Row>,
    refetchInterval: REFRESH_MS,
  });
}

/** The last price from the tick stream, or the API's mark until the first tick. */
export function LiveLtp({ symbol, fallback }: { symbol: string; fallback: number }) {
  const tick = useTick(symbol);
  return <span className="num">{inr(tick?.ltp ?? fallback)}</span>;
}

/** Kite's order statuses that are done; everything else is still working. */
const DONE = new Set(["COMPLETE", "CANCELLED", "REJECTED"]);
export const isOpenOrder = (row: Row): boolean => !DONE.has(str(row, "status"));
