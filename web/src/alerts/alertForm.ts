// The new-alert form and the DSL condition it builds: a trader picks a sentence ("price
// crosses above ₹1,500", "RSI 14 crosses below 30", "up 3 % on the day", "volume 3× its
// 20-bar average") and the server receives the strategy DSL's own condition tree. The
// condition comes back in words (`conditionWords`) for the list.
import type { components } from "@/api/client";
import { indicatorName, inr, instrumentName } from "@/format";

export type AlertIn = components["schemas"]["AlertIn"];
type Node = Record<string, unknown>;

export type AlertKind = "price_above" | "price_below" | "cross_above" | "cross_below" | "change_up" | "change_down" | "volume_spike";

export interface AlertForm {
  name: string;
  target: "symbol" | "watchlist";
  symbol: string; // NSE:INFY
  watchlist_id: string;
  kind: AlertKind;
  /** The level (price, percent, times), or the other indicator of a cross. */
  value: string;
  indicator: string; // the left side of an indicator cross (rsi14, close)
  timeframe: "minute" | "day";
  repeat: "once" | "every";
  cooldown_mins: string;
  with_order: boolean;
  /** One order on the firing symbol, or a basket of legs (each on its own symbol or it). */
  order_kind: "single" | "basket";
  legs: AlertLegForm[];
  order_action: "place" | "confirm";
  transaction_type: "BUY" | "SELL";
  quantity: string;
  product: "CNC" | "MIS";
  /** The single order's type; LIMIT at `price` (a symbol's alert only: one price cannot fit
   * every symbol of a watchlist, whose order is at market). */
  order_type: "MARKET" | "LIMIT";
  price: string;
  confirm_within_mins: string;
}

/** One leg of the basket as the form holds it (text as typed: the API checks it). */
export interface AlertLegForm {
  symbol: string; // EXCHANGE:SYMBOL, or blank: the symbol that fires the alert
  transaction_type: "BUY" | "SELL";
  quantity: string;
  product: "CNC" | "MIS" | "NRML";
  order_type: "MARKET" | "LIMIT";
  price: string;
}

export type AlertLegIn = components["schemas"]["AlertLegIn"];
export type BasketPreviewIn = components["schemas"]["AlertBasketPreviewIn"];

export const newLeg = (symbol = ""): AlertLegForm => ({
  symbol, transaction_type: "BUY", quantity: "1", product: "CNC", order_type: "MARKET", price: "",
});

/** A leg in the API's shape: blank symbol means the firing one; a price only on a LIMIT. */
export function legBody(leg: AlertLegForm): AlertLegIn {
  const body: AlertLegIn = {
    symbol: leg.symbol.trim() ? leg.symbol.trim().toUpperCase() : null,
    transaction_type: leg.transaction_type,
    quantity: Number(leg.quantity),
    product: leg.product,
    order_type: leg.order_type,
  };
  if (leg.order_type === "LIMIT") body.price = leg.price.trim() === "" ? null : leg.price.trim();
  return body;
}

/** What the margin preview is asked about: the legs, and the alert's symbol for the legs
 * that trade it (a watchlist alert has none until one fires). */
export function previewBody(form: AlertForm): BasketPreviewIn {
  const symbol = form.target === "symbol" && form.symbol.trim() ? form.symbol.trim().toUpperCase() : null;
  return { symbol, legs: form.legs.map(legBody) };
}

/** The form field a basket error path names: `order.legs[1].quantity` (saving) or
 * `legs[1].quantity` (the preview) → leg 1's quantity. */
export function legField(path: string): { leg: number; field: keyof AlertLegForm } | null {
  const m = /^(?:order\.)?legs\[(\d+)\]\.(symbol|transaction_type|quantity|product|order_type|price)$/.exec(path);
  return m ? { leg: Number(m[1]), field: m[2] as keyof AlertLegForm } : null;
}

export const kinds: { value: AlertKind; label: string }[] = [
  { value: "price_above", label: "Price crosses above" },
  { value: "price_below", label: "Price crosses below" },
  { value: "cross_above", label: "Indicator crosses above" },
  { value: "cross_below", label: "Indicator crosses below" },
  { value: "change_up", label: "Up % on the day" },
  { value: "change_down", label: "Down % on the day" },
  { value: "volume_spike", label: "Volume spike (× 20-bar average)" },
];

export function initialAlert(symbol = ""): AlertForm {
  return {
    name: "",
    target: "symbol",
    symbol,
    watchlist_id: "",
    kind: "price_above",
    value: "",
    indicator: "rsi14",
    timeframe: "minute",
    repeat: "once",
    cooldown_mins: "5",
    with_order: false,
    order_kind: "single",
    legs: [newLeg(), newLeg()],
    order_action: "confirm",
    transaction_type: "BUY",
    quantity: "1",
    product: "CNC",
    order_type: "MARKET",
    price: "",
    confirm_within_mins: "15",
  };
}

const indicator = (name: string): Node => ({ type: "indicator", name });
const literal = (value: number): Node => ({ type: "literal", value });
const CLOSE = indicator("close");

/** An operand the user typed: a number, or an indicator's name (sma20). */
function operand(text: string): Node {
  const number = Number(text);
  return text.trim() !== "" && Number.isFinite(number) ? literal(number) : indicator(text.trim().toLowerCase());
}

/** The DSL condition the form's sentence says. */
export function conditionOf(form: AlertForm): Node {
  const level = Number(form.value);
  switch (form.kind) {
    case "price_above":
      return { type: "crosses_above", left: CLOSE, right: literal(level) };
    case "price_below":
      return { type: "crosses_below", left: CLOSE, right: literal(level) };
    case "cross_above":
      return { type: "crosses_above", left: indicator(form.indicator.trim().toLowerCase()), right: operand(form.value) };
    case "cross_below":
      return { type: "crosses_below", left: indicator(form.indicator.trim().toLowerCase()), right: operand(form.value) };
    case "change_up":
      return { type: "compare", left: indicator("roc1"), op: ">=", right: literal(level) };
    case "change_down":
      return { type: "compare", left: indicator("roc1"), op: "<=", right: literal(-Math.abs(level)) };
    case "volume_spike":
      return { type: "compare", left: indicator("vol_ratio20"), op: ">=", right: literal(level) };
  }
}

// A level a trader could mean: a share above ₹1 crore, a day's move past 100 % or a volume
// 1,000 times its average is a typo (an extra zero), not an alert that could ever fire.
const MAX_PRICE = 10_000_000;
const MAX_PERCENT = 100;
const MAX_TIMES = 1000;

/** Why the form's level cannot be sent, in a sentence for its field, or null when it can.
 * Without it a blank box went out as 0 and made "Price crosses above ₹0.00". */
export function valueError(form: AlertForm): string | null {
  const text = form.value.trim();
  const number = Number(text);
  switch (form.kind) {
    case "price_above":
    case "price_below":
      if (text === "") return "Enter the price, in rupees";
      if (!Number.isFinite(number) || number <= 0) return "The price must be a number above ₹0";
      if (number > MAX_PRICE) return `The price must be at most ${inr(MAX_PRICE)}`;
      return null;
    case "change_up":
    case "change_down":
      if (text === "") return "Enter the change, in percent";
      if (!Number.isFinite(number) || number <= 0 || number > MAX_PERCENT) return `The change must be a number above 0 and at most ${MAX_PERCENT} %`;
      return null;
    case "volume_spike":
      if (text === "") return "Enter how many times the average volume";
      if (!Number.isFinite(number) || number <= 0 || number > MAX_TIMES) return `The times must be a number above 0 and at most ${MAX_TIMES}`;
      return null;
    default:
      return text === "" ? "Enter a number or an indicator, such as 30 or sma20" : null;
  }
}

/** What a % change on the day needs: day candles (roc1 on minutes is a minute's change). */
export function timeframeOf(form: AlertForm): AlertForm["timeframe"] {
  return form.kind === "change_up" || form.kind === "change_down" ? "day" : form.timeframe;
}

/** The single order: at market, or LIMIT at the typed price on a symbol's alert. */
function singleOrder(form: AlertForm): NonNullable<AlertIn["order"]> {
  const order: NonNullable<AlertIn["order"]> = { transaction_type: form.transaction_type, quantity: Number(form.quantity), product: form.product, order_type: "MARKET" };
  if (form.target === "symbol" && form.order_type === "LIMIT") {
    order.order_type = "LIMIT";
    order.price = form.price.trim() === "" ? null : form.price.trim();
  }
  return order;
}

/** The API body of the form. */
export function buildAlertBody(form: AlertForm): AlertIn {
  const body: AlertIn = {
    name: form.name.trim() || defaultName(form),
    timeframe: timeframeOf(form),
    condition: conditionOf(form),
    repeat: form.repeat,
    cooldown_secs: Math.round(Number(form.cooldown_mins) * 60),
  };
  if (form.target === "symbol") body.symbol = form.symbol.trim().toUpperCase();
  else body.watchlist_id = Number(form.watchlist_id);
  if (form.with_order) {
    body.order = form.order_kind === "basket"
      ? { legs: form.legs.map(legBody) }
      : singleOrder(form);
    body.order_action = form.order_action;
    if (form.order_action === "confirm") body.confirm_within_mins = Number(form.confirm_within_mins);
  }
  return body;
}

function defaultName(form: AlertForm): string {
  const on = form.target === "symbol" ? instrumentName(form.symbol.trim().toUpperCase()) : "Watchlist";
  return `${on}: ${conditionWords(conditionOf(form))}`.slice(0, 80);
}

const OPS: Record<string, string> = { ">": "above", ">=": "at or above", "<": "below", "<=": "at or below", "==": "at", "!=": "not at" };

function operandWords(node: unknown): string {
  const n = (node ?? {}) as Node;
  if (n.type === "literal") return typeof n.value === "number" ? String(n.value) : String(n.value);
  if (n.type === "indicator") return indicatorName(String(n.name), { midSentence: true });
  return "a formula";
}

/** A condition in words: "close crosses above ₹1,500", "RSI 14 crosses below 30". */
export function conditionWords(condition: unknown): string {
  const c = (condition ?? {}) as Node;
  const left = c.left as Node | undefined;
  const right = c.right as Node | undefined;
  const priced = left?.type === "indicator" && left.name === "close" && right?.type === "literal" && typeof right.value === "number";
  const rightWords = priced ? inr(right.value as number) : operandWords(right);
  switch (c.type) {
    case "crosses_above":
    case "crosses_below": {
      const leftWords = left?.type === "indicator" && left.name === "close" ? "Price" : indicatorName(String(left?.name ?? "?"));
      return `${leftWords} crosses ${c.type === "crosses_above" ? "above" : "below"} ${rightWords}`;
    }
    case "compare": {
      if (left?.type === "indicator" && left.name === "roc1" && typeof right?.value === "number") {
        return right.value >= 0 ? `Up ${right.value} % or more` : `Down ${Math.abs(right.value)} % or more`;
      }
      if (left?.type === "indicator" && String(left.name).startsWith("vol_ratio") && typeof right?.value === "number") {
        return `Volume ${right.value}× its average or more`;
      }
      const leftWords = left?.type === "indicator" ? indicatorName(String(left.name)) : operandWords(left);
      return `${leftWords} ${OPS[String(c.op)] ?? String(c.op)} ${rightWords}`;
    }
    case "and":
      return (c.conditions as unknown[]).map(conditionWords).join(" and ");
    case "or":
      return (c.conditions as unknown[]).map(conditionWords).join(" or ");
    case "not":
      return `not (${conditionWords(c.condition)})`;
    default:
      return "A custom rule";
  }
}
