// Turns the API's `{"detail": ...}` into what a screen shows: one message, and per-field
// messages for 422s (the API names the field in `field`, e.g. "body.quantity" → "quantity").
import { qty } from "@/format/money";
import { problemWords } from "./fieldWords";

export interface FieldErrors {
  [field: string]: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fields: FieldErrors;
  readonly reason: string | null;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const { message, fields, reason } = describe(body, status);
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fields = fields;
    this.reason = reason;
    this.body = body;
  }
}

interface ValidationItem {
  field?: string;
  loc?: (string | number)[];
  msg?: string;
  type?: string;
  /** The problem said for people, the field in words ("Entry rules: add at least one condition"). */
  message?: string;
}

// pydantic's words for a value it could not read, by the error's type: what to do instead.
const BY_TYPE: Record<string, string> = {
  missing: "Required",
  int_parsing: "Enter a whole number",
  int_type: "Enter a whole number",
  int_from_float: "Enter a whole number",
  float_parsing: "Enter a number",
  float_type: "Enter a number",
  decimal_parsing: "Enter a number",
  decimal_type: "Enter a number",
  finite_number: "Enter a number",
  bool_parsing: "Choose yes or no",
  bool_type: "Choose yes or no",
  date_parsing: "Enter a date",
  date_from_datetime_parsing: "Enter a date",
  date_type: "Enter a date",
  datetime_parsing: "Enter a date and time",
  datetime_from_date_parsing: "Enter a date and time",
  datetime_type: "Enter a date and time",
  string_type: "Enter text",
  json_invalid: "Not valid JSON",
  extra_forbidden: "Not a field this form takes",
};

// The rest of pydantic's sentences, said as ours ("Input should be greater than 0" → "Must be
// greater than 0"); the API's own messages (type value_error) pass as they are.
const REWORDED: [RegExp, string][] = [
  [/^Value error, /, ""],
  [/^Assertion failed, /, ""],
  [/^Input should be /, "Must be "],
  [/^String should have /, "Must have "],
  [/^String should match pattern .*/, "Not in the expected form"],
  [/^List should have /, "Must have "],
  [/^Decimal input should have no more than (\d+) decimal places?/, "Use at most $1 decimal places"],
  [/^Decimal input should have no more than (\d+) digits? in total/, "Use at most $1 digits"],
  [/^Decimal input should have no more than (\d+) digits? before the decimal point/, "Use at most $1 digits before the point"],
];

/** A validation message in our words, never a library's (pydantic's "Input should be a valid
 * integer, unable to parse string as an integer" is "Enter a whole number"). */
export function plainMessage(item: { msg?: string; type?: string }): string {
  const known = item.type ? BY_TYPE[item.type] : undefined;
  if (known) return known;
  let text = item.msg ?? "";
  for (const [re, said] of REWORDED) text = text.replace(re, said);
  // a bound pydantic states bare ("less than or equal to 1000000"), in Indian grouping
  return text.replace(/^(Must be (?:less|greater) than (?:or equal to )?)(\d+)$/, (_, said: string, n: string) => said + qty(Number(n)));
}

function fieldName(item: ValidationItem): string {
  const raw = item.field ?? (item.loc ?? []).join(".");
  return raw.replace(/^(body|query|path)\./, "");
}

function describe(body: unknown, status: number) {
  const fields: FieldErrors = {};
  let reason: string | null = null;
  const detail = (body as { detail?: unknown } | null)?.detail;
  let message = `Request failed (${status})`;
  if (typeof detail === "string") message = detail;
  else if (Array.isArray(detail)) {
    for (const item of detail as ValidationItem[]) {
      const name = fieldName(item);
      if (name && item.msg && !(name in fields)) fields[name] = plainMessage(item);
    }
    message = (detail as ValidationItem[])
      .map((i) => i.message ?? problemWords(fieldName(i), plainMessage(i)))
      .join("; ");
  } else if (detail && typeof detail === "object") {
    const d = detail as { message?: string; rejection_reason?: string };
    message = d.message ?? message;
    reason = d.rejection_reason ?? null;
  }
  return { message, fields, reason };
}

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the API's detail. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, result.error);
}
