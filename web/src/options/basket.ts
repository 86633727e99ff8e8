// The chain's structure as the basket the API places: the body its legs become, and the
// words for each leg's state (the API decides the order, the margin and every outcome).
import type { components } from "@/api/client";
import { inr } from "@/format";
import type { Chain, Contract, PayoffLeg } from "./optionApi";

export type BasketIn = components["schemas"]["BasketIn"];
export type BasketOut = components["schemas"]["BasketOut"];
export type BasketMargin = components["schemas"]["BasketMarginOut"];
export type Product = BasketIn["product"] & string;
export type Mode = BasketIn["mode"] & string;

export type OrderType = "MARKET" | "LIMIT";

/** How one leg goes: at market, or as a LIMIT at `price` (as typed: the API checks it). */
export interface LegPrice {
  order_type: OrderType;
  price: string;
}

/** Each leg's pricing by its contract; a leg not in it goes at market. */
export type Pricing = Record<string, LegPrice>;

/** The basket's body: each leg at market unless `pricing` makes it a LIMIT, `product` for
 * all; a key when it is being sent. A LIMIT leg's price goes as typed, blank or not (the
 * API's 422 names `legs[i].price` and the editor shows it on that leg). */
export function basketBody(legs: PayoffLeg[], product: Product, mode: Mode, key?: string, pricing: Pricing = {}): BasketIn {
  return {
    legs: legs.map((l) => {
      const leg = { tradingsymbol: l.tradingsymbol, transaction_type: l.transaction_type, lots: l.lots };
      const p = pricing[l.tradingsymbol];
      return p?.order_type === "LIMIT" ? { ...leg, order_type: "LIMIT" as const, price: p.price.trim() === "" ? null : p.price.trim() } : leg;
    }),
    product,
    mode,
    ...(key ? { idempotency_key: key } : {}),
  };
}

const paise = (v: number) => Math.round(v * 100);

/** `price` on the tick: a buy rounded up and a sell down, so the limit still meets the touch
 * it started from; never below one tick. Worked in whole paise (no float drift). */
export function onTick(price: number, tick: number, side: "BUY" | "SELL"): string {
  const t = Math.max(1, paise(tick));
  const p = paise(price);
  const steps = side === "BUY" ? Math.ceil(p / t) : Math.floor(p / t);
  return (Math.max(1, steps) * t / 100).toFixed(2);
}

/** Where a LIMIT leg starts: the side of the book it trades against (a buy at the offer, a
 * sell at the bid), else the last price, on the contract's tick; blank without any price. */
export function startingPrice(contract: Contract | null | undefined, side: "BUY" | "SELL"): string {
  if (!contract) return "";
  const touch = side === "BUY" ? contract.ask : contract.bid;
  const price = Number(touch ?? contract.ltp ?? NaN);
  if (!Number.isFinite(price) || price <= 0) return "";
  return onTick(price, Number(contract.tick_size ?? 0.05), side);
}

/** The words for how a leg goes, as the confirmation says it. */
export function pricedAt(p: LegPrice | undefined): string {
  if (p?.order_type !== "LIMIT") return "at market";
  return p.price.trim() === "" ? "limit (no price)" : `limit ${inr(p.price)}`;
}

/** The margin's hedge benefit in words, for a structure of more than one leg (null: one
 * leg, or the API could not tell): what the legs need alone, what holding them together
 * spares (naming the offsets its legs can have), and what is blocked. The figures are the
 * API's; only the words are made here. */
export function hedgeWords(m: BasketMargin, legs: Pick<PayoffLeg, "transaction_type" | "tradingsymbol">[]): string | null {
  if (legs.length < 2 || m.margin_without_hedge == null || m.hedge_benefit == null || m.margin_required == null) return null;
  if (Number(m.hedge_benefit) <= 0) {
    return `No leg offsets another, so the structure needs what its legs need alone: ${inr(m.margin_required)}.`;
  }
  const sold = (type: string) => legs.some((l) => l.transaction_type === "SELL" && l.tradingsymbol.endsWith(type));
  const why = [
    ...(legs.some((l) => l.transaction_type === "BUY") ? ["a bought leg caps what the sold leg beside it can lose"] : []),
    ...(sold("CE") && sold("PE") ? ["a sold call and a sold put cannot both lose at expiry"] : []),
  ];
  const whose = m.source === "broker" ? "Your broker blocks" : "The exchange blocks";
  const held = why.length ? `Held together, ${why.join(", and ")}. ` : "";
  return `Each leg margined alone would need ${inr(m.margin_without_hedge)}. ${held}${whose} ${inr(m.hedge_benefit)} less: ${inr(m.margin_required)}.`;
}

const STATES: Record<string, string> = {
  filled: "Filled",
  open: "Working",
  sent: "Sent to the broker",
  rejected: "Refused",
  cancelled: "Cancelled",
  skipped: "Not sent (an earlier leg was refused)",
};

export const legState = (state: string) => STATES[state] ?? state;

// Dark shades under white text, yellow under black: each passes WCAG AA.
const OUTCOMES: Record<BasketOut["status"], { label: string; color: string; text?: string }> = {
  success: { label: "Placed", color: "teal.9" },
  partial: { label: "Partly placed", color: "yellow", text: "black" },
  failed: { label: "Not placed", color: "red.9" },
  unwound: { label: "A leg was refused: the filled legs were exited", color: "red.9" },
};

export const outcome = (status: BasketOut["status"]) => OUTCOMES[status];

/** The chain's contract called `symbol` (its call or put on any row shown), if it is shown. */
export function contractOf(chain: Chain | undefined, symbol: string): Contract | undefined {
  for (const row of chain?.rows ?? []) {
    if (row.call?.tradingsymbol === symbol) return row.call;
    if (row.put?.tradingsymbol === symbol) return row.put;
  }
  return undefined;
}
