// Turns the API's `{"detail": ...}` into what a screen shows: one message, and per-field
// messages for 422s (the API names the field in `field`, e.g. "body.quantity" → "quantity").

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
      if (name && item.msg && !(name in fields)) fields[name] = item.msg;
    }
    message = (detail as ValidationItem[])
      .map((i) => (fieldName(i) ? `${fieldName(i)}: ${i.msg ?? ""}` : (i.msg ?? "")))
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
