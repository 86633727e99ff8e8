// A webhook's template as a form: each field a constant ("CNC") or a path of the sender's
// body in double braces ("{{ticker}}"); an order is sized by quantity or by amount (rupees).
// The server checks it (services/webhooks/templates.py) and names the field it refuses
// (`template.quantity`), which the editor shows on that field.

export const TEMPLATE_FIELDS = ["symbol", "exchange", "side", "size", "product", "order_type", "price"] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export interface TemplateForm {
  symbol: string;
  exchange: string;
  side: string;
  sizeBy: "quantity" | "amount";
  size: string;
  product: string;
  order_type: string;
  price: string;
}

/** The form of a stored template (every value a string). */
export function templateForm(template: Record<string, string>): TemplateForm {
  const byAmount = template.amount !== undefined && template.quantity === undefined;
  return {
    symbol: template.symbol ?? "",
    exchange: template.exchange ?? "",
    side: template.side ?? "",
    sizeBy: byAmount ? "amount" : "quantity",
    size: (byAmount ? template.amount : template.quantity) ?? "",
    product: template.product ?? "",
    order_type: template.order_type ?? "",
    price: template.price ?? "",
  };
}

/** The PATCH's template: the fields filled in, trimmed; the size under its name. */
export function templateBody(form: TemplateForm): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string) => {
    const text = value.trim();
    if (text) out[name] = text;
  };
  put("symbol", form.symbol);
  put("exchange", form.exchange);
  put("side", form.side);
  put(form.sizeBy, form.size);
  put("product", form.product);
  put("order_type", form.order_type);
  put("price", form.price);
  return out;
}

/** The API's refusals keyed by the form's fields (`template.amount` → size). */
export function templateErrors(fields: Record<string, string>): Partial<Record<TemplateField, string>> {
  const out: Partial<Record<TemplateField, string>> = {};
  for (const [name, message] of Object.entries(fields)) {
    const field = name.replace(/^template\./, "");
    const key = field === "quantity" || field === "amount" ? "size" : field;
    if ((TEMPLATE_FIELDS as readonly string[]).includes(key) && !(key in out)) out[key as TemplateField] = message;
  }
  return out;
}
