// A modification's terms in the order history, as a trader reads them: "Price 1,400.00 → 1,401.50".
import type { components } from "@/api/client";
import { plain, qty } from "@/format";

export type OrderChange = components["schemas"]["OrderChangeOut"];

const LABELS: Record<OrderChange["field"], string> = {
  price: "Price",
  trigger_price: "Trigger",
  quantity: "Qty.",
  order_type: "Type",
  validity: "Validity",
  disclosed_quantity: "Disclosed qty.",
  validity_ttl: "Validity (minutes)",
};

function shown(field: OrderChange["field"], value: OrderChange["old"]): string {
  if (value === null || value === undefined) return field === "price" ? "market" : "none";
  if (typeof value === "string") return value;
  return field === "price" || field === "trigger_price" ? plain(value) : qty(value);
}

/** One change: its term, old value → new value. */
export function changeWords(change: OrderChange): string {
  return `${LABELS[change.field]} ${shown(change.field, change.old)} → ${shown(change.field, change.new)}`;
}
