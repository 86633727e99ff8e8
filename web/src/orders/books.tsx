// What the books share: the portfolio queries, the API's Kite-shaped row types, field
// access to them (a broker may leave a field out: a missing number reads NaN, missing text
// ""), and the live last price.
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import type { NumberKey, TextKey } from "@/api/rows";
import type { Column } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { inr, pct } from "@/format";
import { useTick } from "@/ticks/useTick";
import { useAccount } from "@/account/account";
import { ALL_BOOKS, EVERY_BOOK } from "./bookOptions";

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

export { ALL_BOOKS, EVERY_BOOK } from "./bookOptions";
/** The API's `book` for the page's choice: the whole account on screen names it (``paper``
 * or ``live:<broker>``), so the API never picks the account for us. */
const bookQuery = (book: string, account: string) => ({ query: { book: book === ALL_BOOKS ? account : book } });
export type BookSummary = Schemas["BookOut"];

/** The book the page shows, kept in the address (`?book=portfolio:3`) so a link keeps it. */
export function useBook(): [string, (book: string) => void] {
  const [params, setParams] = useSearchParams();
  const book = params.get("book") ?? ALL_BOOKS;
  const setBook = (next: string) =>
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (next === ALL_BOOKS) copy.delete("book");
      else copy.set("book", next);
      return copy;
    }, { replace: true });
  return [book, setBook];
}

/** The paper account's books with their figures, then "All" (their sum). */
export function useBooks() {
  return useQuery({
    queryKey: ["portfolio", "books"],
    queryFn: async () => unwrap(await api.GET("/api/portfolio/books")),
  });
}

/** A book's words ("Manual", "Portfolio: V1 Momentum"); a live book names its broker. */
export function bookLabel(books: BookSummary[] | undefined, key: string | null | undefined): string {
  if (!key) return "";
  const found = books?.find((b) => b.book === key);
  if (found) return found.label;
  if (key.startsWith("live:")) return `Live: ${key.slice(5).replace(/^./, (c) => c.toUpperCase())}`;
  return key;
}

export function useOrders(book: string = ALL_BOOKS) {
  const account = useAccount();
  return useQuery({
    queryKey: ["portfolio", "orders", book, account.value],
    enabled: !account.pending,
    queryFn: async () => unwrap(await api.GET("/api/portfolio/orders", { params: bookQuery(book, account.value) })),
  });
}
export function useTrades(book: string = ALL_BOOKS) {
  const account = useAccount();
  return useQuery({
    queryKey: ["portfolio", "trades", book, account.value],
    enabled: !account.pending,
    queryFn: async () => unwrap(await api.GET("/api/portfolio/trades", { params: bookQuery(book, account.value) })),
  });
}
export function usePositions(book: string = ALL_BOOKS) {
  const account = useAccount();
  return useQuery({
    queryKey: ["portfolio", "positions", book, account.value],
    enabled: !account.pending,
    queryFn: async () => unwrap(await api.GET("/api/portfolio/positions", { params: bookQuery(book, account.value) })),
  });
}
export function useHoldings(book: string = ALL_BOOKS) {
  const account = useAccount();
  return useQuery({
    queryKey: ["portfolio", "holdings", book, account.value],
    enabled: !account.pending,
    queryFn: async () => unwrap(await api.GET("/api/portfolio/holdings", { params: bookQuery(book, account.value) })),
  });
}
export function useMargins(book: string = ALL_BOOKS) {
  const account = useAccount();
  return useQuery({
    queryKey: ["portfolio", "margins", book, account.value],
    enabled: !account.pending,
    queryFn: async () => unwrap(await api.GET("/api/portfolio/margins", { params: bookQuery(book, account.value) })),
  });
}

/** Whether the page's rows come from several books (the whole paper account, or every
 * book): then each row names its book. A broker's account is one book, named above. */
export function useSeveralBooks(book: string): boolean {
  const account = useAccount();
  return book === EVERY_BOOK || (book === ALL_BOOKS && account.paper);
}

/** The "Book" column a page shows under "All books" (each row names its book). */
export function bookColumn<T extends { book?: string | null }>(books: BookSummary[] | undefined): Column<T> {
  return {
    key: "book",
    header: "Book",
    drop: 1, // the filter above names the book; the figures matter more
    render: (r) => bookLabel(books, r.book),
    value: (r) => bookLabel(books, r.book),
  };
}

/** The last price from the tick stream, or the API's mark until the first tick. */
export function LiveLtp({ symbol, fallback }: { symbol: string; fallback: number }) {
  const tick = useTick(symbol);
  return <span className="num">{inr(tick?.ltp ?? fallback)}</span>;
}

/** A position's P&L (``m2m`` for the day's) at the last price shown beside it: Kite's
 * cash flow so far plus what the open quantity is worth at that price, from the same tick. */
export function positionPnl(row: Position, ltp: number, field: "pnl" | "m2m" = "pnl"): number {
  const open = num(row, "quantity");
  const flow = num(row, "sell_value") - num(row, "buy_value");
  const multiplier = Number.isFinite(num(row, "multiplier")) ? num(row, "multiplier") : 1;
  if (!Number.isFinite(flow) || !Number.isFinite(ltp)) return num(row, field);
  return flow + open * ltp * multiplier;
}

/** A position's P&L on the tick stream's last price (the API's figure until the first tick). */
export function LivePnl({ row, field = "pnl" }: { row: Position; field?: "pnl" | "m2m" }) {
  const tick = useTick(symbolOf(row));
  const value = tick ? positionPnl(row, tick.ltp, field) : num(row, field);
  return <Money value={value} pnl />;
}

/** A holding's day change per share at `ltp`, in rupees and as a percentage of the same base:
 * the price the API measured it from (the previous close, or the buy price of shares bought
 * today), which is its last price less its day change. The two always agree in sign. */
export function holdingDayChange(row: Holding, ltp: number): { change: number; percentage: number } {
  const base = num(row, "last_price") - num(row, "day_change");
  if (!Number.isFinite(base) || base <= 0 || !Number.isFinite(ltp)) {
    return { change: num(row, "day_change"), percentage: num(row, "day_change_percentage") };
  }
  const change = ltp - base;
  return { change, percentage: (change / base) * 100 };
}

/** A holding's P&L on the tick stream's last price: (LTP − average) × everything held; with
 * `day`, its day change per share (`holdingDayChange`). */
export function LiveHoldingPnl({ row, day = false }: { row: Holding; day?: boolean }) {
  const tick = useTick(symbolOf(row));
  if (!tick) return <Money value={num(row, day ? "day_change" : "pnl")} pnl />;
  const held = num(row, "quantity") + (Number.isFinite(num(row, "t1_quantity")) ? num(row, "t1_quantity") : 0);
  const value = day ? holdingDayChange(row, tick.ltp).change : (tick.ltp - num(row, "average_price")) * held;
  return <Money value={value} pnl />;
}

/** A holding's day change as a percentage, on the same tick and base as its rupees. */
export function LiveHoldingDayPct({ row }: { row: Holding }) {
  const tick = useTick(symbolOf(row));
  const percentage = tick ? holdingDayChange(row, tick.ltp).percentage : num(row, "day_change_percentage");
  return <>{pct(percentage, { signed: true })}</>;
}

/** Kite's order statuses that are done; everything else is still working. */
const DONE = new Set(["COMPLETE", "CANCELLED", "REJECTED"]);
export const isOpenOrder = (row: BookOrder): boolean => !DONE.has(str(row, "status"));
