// The GTT form's logic: a single trigger, or an OCO (a stop-loss and a target, one order
// each, whichever triggers first cancels the other), and the API's request body.
import type { components } from "@/api/client";
import { type Exchange, type Product, type Side, splitSymbol } from "@/orders/ticket/form";

export type GttBody = components["schemas"]["GttIn"];
export type GttKind = GttBody["type"];
/** The products a GTT leg takes, as the API's contract lists them (never MIS). */
export type GttProduct = components["schemas"]["GttOrder"]["product"];

/** The one product a GTT on `exchange` takes (the server's rule, oms/paper/gtt.py): NRML for
 * futures and options, CNC for shares. The form shows it rather than offering a choice the
 * server would refuse. */
export function gttProduct(exchange: Exchange): GttProduct {
  return exchange === "NFO" || exchange === "BFO" ? "NRML" : "CNC";
}

export interface GttForm {
  type: GttKind;
  exchange: Exchange;
  tradingsymbol: string;
  transaction_type: Side;
  product: Product;
  quantity: string;
  last_price: string;
  trigger: string;
  price: string;
  /** OCO only: the stop-loss leg. */
  stop_trigger: string;
  stop_price: string;
  /** OCO only: the target leg. */
  target_trigger: string;
  target_price: string;
}

export function initialGtt(symbol = "", lastPrice?: number): GttForm {
  return {
    type: "single",
    ...splitSymbol(symbol),
    transaction_type: "BUY",
    product: "CNC",
    quantity: "1",
    last_price: lastPrice !== undefined ? String(lastPrice) : "",
    trigger: "",
    price: "",
    stop_trigger: "",
    stop_price: "",
    target_trigger: "",
    target_price: "",
  };
}

type Leg = { trigger: string; price: string };

/** Kite lists an OCO's triggers lowest first, each order at its trigger's position. */
function ordered(a: Leg, b: Leg): [Leg, Leg] {
  const x = Number(a.trigger);
  const y = Number(b.trigger);
  return Number.isFinite(x) && Number.isFinite(y) && y < x ? [b, a] : [a, b];
}

/** Decimal text as typed: the API reads it exactly (and names the field when it is wrong). */
const number = (text: string): string => text.trim();

export function buildGttBody(form: GttForm): GttBody {
  const quantity = /^\d+$/.test(form.quantity.trim()) ? Number(form.quantity.trim()) : 0;
  const order = (leg: Leg) => ({
    transaction_type: form.transaction_type,
    quantity,
    order_type: "LIMIT",
    product: gttProduct(form.exchange),
    price: number(leg.price),
  });
  const legs: Leg[] =
    form.type === "single"
      ? [{ trigger: form.trigger, price: form.price }]
      : ordered({ trigger: form.stop_trigger, price: form.stop_price }, { trigger: form.target_trigger, price: form.target_price });
  return {
    type: form.type,
    condition: {
      exchange: form.exchange,
      tradingsymbol: form.tradingsymbol.trim().toUpperCase(),
      trigger_values: legs.map((l) => number(l.trigger)),
      last_price: number(form.last_price),
    },
    orders: legs.map(order),
  };
}

type Schemas = components["schemas"];
/** What the form reads of a listed trigger (the API's `GttOut`). */
export type ListedGtt = {
  type: string;
  condition: Pick<Schemas["GttConditionOut"], "exchange" | "tradingsymbol" | "trigger_values" | "last_price">;
  orders: Pick<Schemas["GttLegOut"], "transaction_type" | "quantity" | "product" | "price">[];
};

/** The form for modifying a listed trigger (the API's GET shape). */
export function gttFormOf(row: ListedGtt): GttForm {
  const { condition, orders } = row;
  const triggers = condition.trigger_values;
  const first = orders[0];
  const form: GttForm = {
    ...initialGtt(`${condition.exchange}:${condition.tradingsymbol}`, Number(condition.last_price)),
    type: row.type === "two-leg" ? "two-leg" : "single",
    transaction_type: (first?.transaction_type ?? "BUY") as Side,
    product: (first?.product ?? "CNC") as Product,
    quantity: String(first?.quantity ?? ""),
  };
  const price = (o: ListedGtt["orders"][number] | undefined) => (o?.price !== undefined && o.price !== null ? String(o.price) : "");
  if (form.type === "single") {
    form.trigger = String(triggers[0] ?? "");
    form.price = price(orders[0]);
  } else {
    // The lower trigger is a sell's stop (a buy's target).
    const sell = form.transaction_type === "SELL";
    const [low, high] = [0, 1];
    const stop = sell ? low : high;
    const target = sell ? high : low;
    form.stop_trigger = String(triggers[stop] ?? "");
    form.stop_price = price(orders[stop]);
    form.target_trigger = String(triggers[target] ?? "");
    form.target_price = price(orders[target]);
  }
  return form;
}
