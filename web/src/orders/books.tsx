// What the books share: the portfolio queries, the API's Kite-shaped row types, field
// access to them (a broker may leave a field out: a missing number reads NaN, missing text
// ""), and the live last price.
import { useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import type { NumberKey, TextKey } from "@/api/rows";
import { inr } from "@/format";
import { useTick } from "@/ticks/useTick";

type Schemas = components["schemas"];
export type BookOrder = Schemas["BookOrder"];
export type BookTrade = Schemas["BookTrade"];
export type Position = Schemas["Position"];
export type Holding = Schemas["Holding"];
export type MarginAvailable = Schemas["MarginAvailable"];
export type MarginUtilised = Schemas["MarginUtilised"];
export type { NumberKey } from "@/api/rows";

export const num = <T extends object>(row: T, key: NumberKey<T>): number => {
  const v: unknown = row[key as keyof T];
  return typeof v === "number" ? v : Number.NaN;
};
export const str = <T extends object>(row: T, key: TextKey<T>): string => {
  const v: unknown = row[key as keyof T];
  return typeof v === "string" ? v : "";
};
/** `EXCH:SYMBOL` of any row naming an exchange and a symbol. */
export const symbolOf = (row: { exchange?: string | null; tradingsymbol?: string | null }): string =>
  `${row.exchange ?? ""}:${row.tradingsymbol ?? ""}`;

/** Kite's order-book times are IST wall-clock text ("2026-11-23 10:21:59"): shown as is. */
export const clockTime = (value: string): string => (value.length > 10 ? value.slice(11, 19) : value);

const REFRESH_MS = 5_000;

export function useOrders() {
  return useQuery({
    queryKey: ["portfolio", "orders"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/orders")),
    refetchInterval: REFRESH_MS,
  });
}
export function useTrades() {
  return useQuery({
    queryKey: ["portfolio", "trades"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/trades")),
    refetchInterval: REFRESH_MS,
  });
}
export function usePositions() {
  return useQuery({
    queryKey: ["portfolio", "positions"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/positions")),
    refetchInterval: REFRESH_MS,
  });
}
export function useHoldings() {
  return useQuery({
    queryKey: ["portfolio", "holdings"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/holdings")),
    refetchInterval: REFRESH_MS,
  });
}
export function useMargins() {
  return useQuery({
    queryKey: ["portfolio", "margins"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/margins")),
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
export const isOpenOrder = (row: BookOrder): boolean => !DONE.has(str(row, "status"));
