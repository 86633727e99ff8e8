// The chain's structure as the basket the API places: the body its legs become, and the
// words for each leg's state (the API decides the order, the margin and every outcome).
import type { components } from "@/api/client";
import type { PayoffLeg } from "./optionApi";

export type BasketIn = components["schemas"]["BasketIn"];
export type BasketOut = components["schemas"]["BasketOut"];
export type BasketMargin = components["schemas"]["BasketMarginOut"];
export type Product = BasketIn["product"] & string;
export type Mode = BasketIn["mode"] & string;

/** The basket's body: each leg at market, `product` for all; a key when it is being sent. */
export function basketBody(legs: PayoffLeg[], product: Product, mode: Mode, key?: string): BasketIn {
  return {
    legs: legs.map((l) => ({ tradingsymbol: l.tradingsymbol, transaction_type: l.transaction_type, lots: l.lots })),
    product,
    mode,
    ...(key ? { idempotency_key: key } : {}),
  };
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
