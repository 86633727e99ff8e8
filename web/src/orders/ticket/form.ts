// The order ticket's form logic, kept free of React so Vitest can pin it down: the choices
// (typed against the generated schema's enums, so a value the API adds or drops fails the
// type check), which fields each order type and variety shows, and the request body.
import type { components } from "@/api/client";

type S = components["schemas"];
export type OrderType = S["OrderType"];
export type Variety = S["Variety"];
export type Product = S["Product"];
export type Validity = S["Validity"];
export type Side = S["TransactionType"];
export type Exchange = S["Exchange"];
export type OrderBody = S["OrderIn"];

// `Record<Enum, label>`: every enum value must be present, and nothing else may be.
const ORDER_TYPE_LABELS: Record<OrderType, string> = {
  MARKET: "Market",
  LIMIT: "Limit",
  SL: "SL",
  "SL-M": "SL-M",
};
const VARIETY_LABELS: Record<Variety, string> = {
  regular: "Regular",
  amo: "AMO",
  co: "Cover",
  iceberg: "Iceberg",
  auction: "Auction",
};
const PRODUCT_LABELS: Record<Product, string> = {
  CNC: "CNC (delivery)",
  MIS: "MIS (intraday)",
  NRML: "NRML (overnight F&O)",
  MTF: "MTF (margin trading)",
};
const VALIDITY_LABELS: Record<Validity, string> = { DAY: "Day", IOC: "Immediate or cancel", TTL: "Minutes (TTL)" };
const EXCHANGE_LABELS: Record<Exchange, string> = { NSE: "NSE", BSE: "BSE", NFO: "NFO", BFO: "BFO" };

export interface Choice<T extends string> {
  value: T;
  label: string;
}
const choices = <T extends string>(labels: Record<T, string>): Choice<T>[] =>
  (Object.keys(labels) as T[]).map((value) => ({ value, label: labels[value] }));

export const orderTypes = choices(ORDER_TYPE_LABELS);
export const varieties = choices(VARIETY_LABELS);
export const products = choices(PRODUCT_LABELS);
export const validities = choices(VALIDITY_LABELS);
export const exchanges = choices(EXCHANGE_LABELS);

export interface TicketForm {
  exchange: Exchange;
  tradingsymbol: string;
  transaction_type: Side;
  variety: Variety;
  order_type: OrderType;
  product: Product;
  validity: Validity;
  quantity: string;
  price: string;
  trigger_price: string;
  disclosed_quantity: string;
  validity_ttl: string;
  iceberg_legs: string;
  iceberg_quantity: string;
  auction_number: string;
}

export type Field = Exclude<keyof TicketForm, "exchange" | "tradingsymbol" | "transaction_type" | "variety">;

/** What `useOrderTicket().open()` accepts: a symbol ("NSE:INFY" or "INFY") and a side. */
export interface TicketSeed {
  symbol?: string;
  side?: Side;
  quantity?: number;
  product?: Product;
  orderType?: OrderType;
  price?: string | number;
  /** A portfolio's book the order sells in (Positions' Exit of its row): "portfolio:<id>". */
  book?: string;
}

export function splitSymbol(symbol: string | undefined): { exchange: Exchange; tradingsymbol: string } {
  const raw = (symbol ?? "").trim().toUpperCase();
  const [head = "NSE", tail = ""] = raw.includes(":") ? raw.split(":", 2) : ["NSE", raw];
  const exchange = (head in EXCHANGE_LABELS ? head : "NSE") as Exchange;
  return { exchange, tradingsymbol: tail ?? "" };
}

export function initialForm(seed: TicketSeed = {}): TicketForm {
  const orderType = seed.orderType ?? (seed.price !== undefined ? "LIMIT" : "MARKET");
  return {
    ...splitSymbol(seed.symbol),
    transaction_type: seed.side ?? "BUY",
    variety: "regular",
    order_type: orderType,
    product: seed.product ?? "CNC",
    validity: "DAY",
    quantity: seed.quantity !== undefined ? String(seed.quantity) : "1",
    price: seed.price !== undefined ? String(seed.price) : "",
    trigger_price: "",
    disclosed_quantity: "",
    validity_ttl: "",
    iceberg_legs: "",
    iceberg_quantity: "",
    auction_number: "",
  };
}

/** The order types a variety takes (a cover order enters at MARKET or LIMIT). */
export function orderTypesFor(variety: Variety): Choice<OrderType>[] {
  return variety === "co" ? orderTypes.filter((t) => t.value === "MARKET" || t.value === "LIMIT") : orderTypes;
}

/** The products a variety takes (a cover order is intraday). */
export function productsFor(variety: Variety): Choice<Product>[] {
  return variety === "co" ? products.filter((p) => p.value === "MIS") : products;
}

/** The validities a variety takes (a cover order is valid for the day). */
export function validitiesFor(variety: Variety): Choice<Validity>[] {
  return variety === "co" ? validities.filter((v) => v.value === "DAY") : validities;
}

/** The fields the form shows for its current type, variety and validity. */
export function visibleFields(form: TicketForm): Set<Field> {
  const shown = new Set<Field>(["quantity", "order_type", "product", "validity"]);
  if (form.order_type === "LIMIT" || form.order_type === "SL") shown.add("price");
  // A cover order's stop-loss is its trigger price.
  if (form.order_type === "SL" || form.order_type === "SL-M" || form.variety === "co") shown.add("trigger_price");
  if (form.validity === "TTL") shown.add("validity_ttl");
  if (form.variety === "iceberg") {
    shown.add("iceberg_legs");
    shown.add("iceberg_quantity");
  }
  if (form.variety === "auction") shown.add("auction_number");
  if (form.variety !== "co") shown.add("disclosed_quantity");
  return shown;
}

/** Keeps the form consistent after a change (e.g. switching to a cover order). */
export function normalise(form: TicketForm): TicketForm {
  const next = { ...form };
  const fit = <T extends string>(value: T, allowed: Choice<T>[]): T =>
    allowed.some((c) => c.value === value) ? value : (allowed[0] as Choice<T>).value;
  next.order_type = fit(next.order_type, orderTypesFor(next.variety));
  next.product = fit(next.product, productsFor(next.variety));
  next.validity = fit(next.validity, validitiesFor(next.variety));
  return next;
}

function int(value: string): number | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * The request body: only the fields the form shows, prices as the decimal text typed (the
 * API reads them exactly), empty optional fields left out. Values are not judged here: the
 * API's 422 names the field and the ticket shows it there.
 */
export function buildOrderBody(form: TicketForm, idempotencyKey?: string): OrderBody {
  const shown = visibleFields(form);
  const body: OrderBody = {
    exchange: form.exchange,
    tradingsymbol: form.tradingsymbol.trim().toUpperCase(),
    transaction_type: form.transaction_type,
    quantity: int(form.quantity) ?? 0,
    product: form.product,
    order_type: form.order_type,
    variety: form.variety,
    validity: form.validity,
  };
  const text = (f: "price" | "trigger_price" | "auction_number") => {
    const v = form[f].trim();
    if (shown.has(f) && v !== "") body[f] = v;
  };
  text("price");
  text("trigger_price");
  text("auction_number");
  for (const f of ["disclosed_quantity", "validity_ttl", "iceberg_legs", "iceberg_quantity"] as const) {
    const v = int(form[f]);
    if (shown.has(f) && v !== undefined) body[f] = v;
  }
  if (idempotencyKey) body.idempotency_key = idempotencyKey;
  return body;
}

/** The body for `PUT /api/orders/{id}`: only what a modification may change. */
export function buildModifyBody(form: TicketForm): S["OrderModifyIn"] {
  const full = buildOrderBody(form);
  const body: S["OrderModifyIn"] = {
    quantity: full.quantity,
    order_type: full.order_type,
    validity: full.validity,
  };
  // A 0 price clears it, as on Kite: a MARKET order has none.
  body.price = full.price ?? 0;
  body.trigger_price = full.trigger_price ?? 0;
  if (full.disclosed_quantity !== undefined) body.disclosed_quantity = full.disclosed_quantity;
  return body;
}
