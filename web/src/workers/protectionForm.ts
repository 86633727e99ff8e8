// The backend protection document as a form: text fields in, the API's document out (the
// API validates; its 422 names a field such as "backend_protection.positions[0].side",
// which `fieldKey` turns into the form's "positions.0.side" so the error shows on it).
import type { BackendProtection } from "./workerApi";

export interface PositionDraft {
  symbol: string;
  product: string;
  side: string;
  quantity: string;
  entry_price: string;
  stoploss_pct: string;
  target_pct: string;
  trailing_stoploss_pct: string;
}

export interface ProtectionDraft {
  enabled: boolean;
  positions: PositionDraft[];
  basket: { stoploss_pct: string; target_pct: string };
  operations: { exit_on_worker_stale: boolean; worker_stale_sec: string };
}

const text = (v: number | string | null | undefined) => (v === null || v === undefined ? "" : String(v));

export function emptyPosition(): PositionDraft {
  return { symbol: "", product: "CNC", side: "BUY", quantity: "", entry_price: "", stoploss_pct: "", target_pct: "", trailing_stoploss_pct: "" };
}

/** The form of a stored document (or of none: disabled, no rules). */
export function fromDocument(doc: BackendProtection | null | undefined): ProtectionDraft {
  return {
    enabled: doc?.enabled ?? false,
    positions: (doc?.positions ?? []).map((p) => ({
      symbol: p.symbol ?? (p.exchange && p.tradingsymbol ? `${p.exchange}:${p.tradingsymbol}` : ""),
      product: p.product,
      side: p.side,
      quantity: text(p.quantity),
      entry_price: text(p.entry_price),
      stoploss_pct: text(p.stoploss_pct),
      target_pct: text(p.target_pct),
      trailing_stoploss_pct: text(p.trailing_stoploss_pct),
    })),
    basket: { stoploss_pct: text(doc?.basket?.stoploss_pct), target_pct: text(doc?.basket?.target_pct) },
    operations: {
      exit_on_worker_stale: doc?.operations?.exit_on_worker_stale ?? false,
      worker_stale_sec: text(doc?.operations?.worker_stale_sec),
    },
  };
}

/** A number as typed, or the text itself (so the API, not the page, says what is wrong). */
function num(value: string): number | undefined {
  const t = value.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : (t as unknown as number);
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The document to send. */
export function toDocument(draft: ProtectionDraft): BackendProtection {
  const basket = compact({ stoploss_pct: num(draft.basket.stoploss_pct), target_pct: num(draft.basket.target_pct) });
  const staleSec = num(draft.operations.worker_stale_sec);
  return {
    enabled: draft.enabled,
    mode: "exposure",
    positions: draft.positions.map((p) =>
      compact({
        symbol: p.symbol.trim() || undefined,
        product: p.product as "CNC" | "MIS" | "NRML",
        side: p.side as "BUY" | "SELL",
        quantity: num(p.quantity) as number,
        entry_price: num(p.entry_price) as number,
        stoploss_pct: num(p.stoploss_pct),
        target_pct: num(p.target_pct),
        trailing_stoploss_pct: num(p.trailing_stoploss_pct),
      }),
    ),
    basket: Object.keys(basket).length ? basket : null,
    operations: draft.operations.exit_on_worker_stale || staleSec !== undefined
      ? compact({ exit_on_worker_stale: draft.operations.exit_on_worker_stale, worker_stale_sec: staleSec })
      : null,
  };
}

/** The form key of an API field: "backend_protection.positions[0].side" → "positions.0.side". */
export function fieldKey(apiField: string): string {
  return apiField.replace(/^backend_protection\.?/, "").replace(/\[(\d+)\]/g, ".$1");
}

/** The API's field errors keyed the form's way. */
export function formErrors(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [fieldKey(k), v]));
}
