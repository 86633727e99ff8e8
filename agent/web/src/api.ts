// The agent UI's API (tradertape_agent/ui/app.py). Money comes as decimal strings and is only
// formatted here. Every write is JSON from this page: the agent refuses anything else.
import { useCallback, useEffect, useRef, useState } from "react";

export interface Session {
  version: string;
  pin_required: boolean;
  authenticated: boolean;
}

export interface Drift {
  symbol: string;
  cloud: number;
  broker: number;
  cause: string;
}

export interface Status {
  version: string;
  cloud_url: string;
  primary_broker: string;
  auto_execute: boolean;
  poll_interval: number;
  last_poll: string | null;
  last_result: string | null;
  kill_switch: string | null;
  errors: string[];
  drift: Drift[];
  /** checked: the last poll compared the broker with the cloud; no-broker: none answered. */
  reconciliation: "checked" | "no-broker" | "pending";
  waiting: number;
  /** What waits in the outbox for the cloud, and what the cloud refused for good. */
  outbox: { waiting: OutboxRow[]; refused: OutboxRow[] };
  /** The latest alert fires the agent told (newest first), each with its logged line. */
  alerts: AlertFire[];
}

export interface OutboxRow {
  what: string;
  kind: string;
  signal_id: number | null;
  attempts: number;
  next_at: string | null;
  answer: string | null;
  since: string;
}

export interface AlertFire {
  id: number;
  alert_id: number | null;
  symbol: string;
  price: string | null;
  fired_at: string | null;
  order_status: string | null;
  line: string;
}

export interface Holding {
  broker: string;
  symbol: string;
  quantity: number;
  average_price: string;
  last_price: string;
  invested: string;
  value: string;
  pnl: string;
  pnl_pct: string | null;
  day_change: string;
  day_change_pct: string | null;
}

export interface Position {
  broker: string;
  symbol: string;
  product: string;
  quantity: number;
  average_price: string;
  last_price: string;
  pnl: string;
}

export interface Trouble {
  broker: string;
  message: string;
}

export interface BrokerTotals {
  broker: string;
  primary: boolean;
  invested: string;
  value: string;
  pnl: string;
  day_change: string;
  positions_pnl: string;
  cash: string;
  holdings: number;
}

export interface Dashboard {
  total: Omit<BrokerTotals, "broker" | "primary" | "holdings"> & {
    pnl_pct: string | null;
    day_change_pct: string | null;
  };
  brokers: BrokerTotals[];
  top: Holding[];
  trouble: Trouble[];
  status: Omit<Status, "version">;
}

/** awaiting: waits for approval in TraderTape (pending_approval); waiting: in the cart, for
 * this agent's approval (manual mode). */
export type SignalState = "waiting" | "awaiting" | "approved" | "rejected" | "placed" | "refused";

export interface Signal {
  id: number;
  symbol: string;
  side: string;
  signal_type: string;
  quantity: number;
  close_price: string | null;
  trigger_price: string | null;
  limit_price: string | null;
  stop_price: string | null;
  placement: string;
  state: SignalState;
  note: string;
}

export interface PlacementRow {
  key: string;
  signal_id: number;
  leg: string;
  broker: string;
  kind: string;
  symbol: string;
  status: string;
  broker_id: string | null;
  fill_price: string | null;
  reason: string | null;
}

export interface Signals {
  signals: Signal[];
  recent: PlacementRow[];
  auto_execute: boolean;
  kill_switch: string | null;
}

export interface BrokerRow {
  broker: string;
  title: string;
  primary: boolean;
  configured: boolean;
  state: "connected" | "trouble" | "not-connected" | "not-configured";
  note: string;
  login: "button" | "key" | "none";
  api_key_set: boolean;
}

export interface Settings {
  auto_execute: boolean;
  stop_loss_pct: number;
  poll_interval: number;
  ignore_symbols: string[];
  primary_broker: string;
  cloud_url: string;
  pin_set: boolean;
  /** The PIN last entered is shorter than new ones may be: ask for a longer one. */
  pin_weak: boolean;
  allowed_hosts: string[];
  credentials: Record<string, { api_key_set: boolean; api_secret_set: boolean }>;
  obfuscation: boolean;
}

/** A scheme in a folio, as the cloud values it (GET /api/agent/mutual-funds). */
export interface MutualFund {
  folio: string | null;
  scheme: string;
  isin: string | null;
  units: string;
  nav: string | null;
  nav_date: string | null;
  nav_source: "amfi" | "cas";
  value: string | null;
  invested: string | null;
  gain: string | null;
  xirr: string | null;
}

export interface MutualFunds {
  available: boolean;
  problem?: string;
  as_of?: string;
  total_value?: string;
  total_invested?: string;
  funds_xirr?: string | null;
  funds: MutualFund[];
  warnings?: string[];
}

export type UploadKind = "tradebook" | "ledger";

/** A scaled column's total in the file as picked, and as the cloud was sent it. */
export interface UploadColumn {
  name: string;
  /** balance: a running balance, whose totals are the closing (last row's) figures. */
  measure: "quantity" | "price" | "balance" | "money";
  real_total: string;
  sent_total: string;
}

/** The cloud's report of one file (POST /api/uploads/…). */
export interface UploadReport {
  filename: string;
  kind: string;
  status: "imported" | "rejected";
  broker: string;
  account_code: string | null;
  rows_read: number;
  rows_added: number;
  duplicates: number;
  skipped: number;
  errors: { row: number; reason: string }[];
}

export interface UploadDone {
  at: string;
  sent: { filename: string; kind: UploadKind; scaled: boolean; rows: number; columns: UploadColumn[] };
  report: UploadReport;
}

export interface Uploads {
  obfuscate: boolean | null;
  kinds: UploadKind[];
  uploads: UploadDone[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Signals the app when the PIN is asked for (a 401 from any call). */
export const locked = new EventTarget();
/** Signals the shell that a write changed what its header and badges show. */
export const changed = new EventTarget();

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin" };
  if (method !== "GET") {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(body ?? {});
  }
  const answer = await fetch(path, init);
  const data: unknown = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const detail =
      typeof data === "object" && data !== null && "detail" in data
        ? String((data as { detail: unknown }).detail)
        : `The agent answered ${answer.status}`;
    if (answer.status === 401 && path !== "/api/session") locked.dispatchEvent(new Event("locked"));
    throw new ApiError(answer.status, detail);
  }
  if (method !== "GET") changed.dispatchEvent(new Event("changed"));
  return data as T;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
  set: (value: T) => void;
}

/** GET `path` now and every `everyMs` while the page is shown. */
export function useApi<T>(path: string, everyMs = 10_000): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const live = useRef(true);
  const load = useCallback(() => {
    call<T>("GET", path)
      .then((value) => {
        if (!live.current) return;
        setData(value);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (live.current) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (live.current) setLoading(false);
      });
  }, [path]);
  useEffect(() => {
    live.current = true;
    load();
    const timer = window.setInterval(load, everyMs);
    return () => {
      live.current = false;
      window.clearInterval(timer);
    };
  }, [load, everyMs]);
  return { data, error, loading, reload: load, set: setData };
}
