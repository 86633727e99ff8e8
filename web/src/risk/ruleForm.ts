// Which threshold fields a rule type takes (as the API's RuleIn documents), and the body a
// form's text becomes: blanks are nulls, the API checks everything else (422 on the field).
import type { components } from "@/api/client";
import { BROKER_ROWS } from "@/format";

export type RuleType = components["schemas"]["RuleType"];
export type RuleAction = components["schemas"]["RuleAction"];
export type RuleOut = components["schemas"]["RuleOut"];
export type Threshold = "threshold_amount" | "threshold_pct" | "threshold_count" | "target_amount" | "trail_amount";

export const RULE_TYPES: { value: RuleType; label: string; fields: Threshold[] }[] = [
  { value: "daily_loss_limit", label: "Daily loss limit (₹)", fields: ["threshold_amount"] },
  { value: "max_exposure", label: "Maximum exposure (₹ and/or % of capital)", fields: ["threshold_amount", "threshold_pct"] },
  { value: "max_sector_exposure_pct", label: "Maximum sector exposure (% of capital)", fields: ["threshold_pct"] },
  { value: "max_open_positions", label: "Maximum open positions", fields: ["threshold_count"] },
  { value: "max_symbol_exposure", label: "Maximum exposure per symbol (₹)", fields: ["threshold_amount"] },
  { value: "max_order_value", label: "Maximum order value (₹)", fields: ["threshold_amount"] },
  { value: "kill_switch", label: "Kill switch", fields: [] },
  { value: "mtm_exit", label: "Exit at a day MTM (loss, target, trail)", fields: ["threshold_amount", "target_amount", "trail_amount"] },
];

// Refusals that are no user rule (risk events only): the regulator's, and an entry the
// rules could not value.
const EVENT_TYPES: Record<string, string> = { order_rate: "SEBI order-rate ceiling", no_price: "No price to value the order" };

export function ruleLabel(type: string): string {
  return RULE_TYPES.find((t) => t.value === type)?.label ?? EVENT_TYPES[type] ?? type;
}

export interface RuleDraft {
  type: RuleType;
  action: RuleAction;
  enabled: boolean;
  threshold_amount: string;
  threshold_pct: string;
  threshold_count: string;
  target_amount: string;
  trail_amount: string;
  /** What the rule watches: "" the whole account, "portfolio:<id>", "run:<strategy_run_id>"
   * or (an MTM exit) "book:manual" / "book:live:<broker>". */
  scope: string;
}

export const ACCOUNT = "";
export const portfolioScope = (id: number) => `portfolio:${id}`;
export const runScope = (key: string) => `run:${key}`;
export const bookScope = (book: string) => `book:${book}`;

/** The books an MTM exit may watch on its own: the desk's hand-placed orders, and the
 * account at each live broker. */
export const MTM_BOOKS: { book: string; label: string }[] = [
  { book: "manual", label: "Manual book (orders placed by hand)" },
  ...BROKER_ROWS.map((row) => ({ book: `live:${row.name}`, label: `Live: ${row.label}` })),
];

/** A rule's scope as the form's value. */
export function scopeOf(rule: Pick<RuleOut, "portfolio_id" | "strategy_run_id"> & { book?: string | null } | undefined): string {
  if (rule?.book) return bookScope(rule.book);
  if (rule?.portfolio_id) return portfolioScope(rule.portfolio_id);
  if (rule?.strategy_run_id) return runScope(rule.strategy_run_id);
  return ACCOUNT;
}

export interface ScopeNames {
  portfolios: { id: number; name: string; status?: string }[];
  runs: { strategy_run_id: string; name: string | null; status?: string }[];
}

/** The scopes a rule may take, by name: the account, then each portfolio and worker run of
 * the user's (a closed one marked), and the rule's own even when its row has gone; with
 * `books` (an MTM exit's), the manual and live books after the account. */
export function scopeOptions(names: ScopeNames, current: string, books = false): { group: string; items: { value: string; label: string }[] }[] {
  const closed = (status?: string) => (status === "retired" || status === "closed" || status === "failed" ? " (closed)" : "");
  const portfolios = names.portfolios.map((p) => ({ value: portfolioScope(p.id), label: `${p.name}${closed(p.status)}` }));
  const runs = names.runs.map((r) => ({ value: runScope(r.strategy_run_id), label: `${r.name || r.strategy_run_id}${closed(r.status)}` }));
  const own = books || current.startsWith("book:") ? MTM_BOOKS.map((b) => ({ value: bookScope(b.book), label: b.label })) : [];
  const known = [ACCOUNT, ...own.map((o) => o.value), ...portfolios.map((o) => o.value), ...runs.map((o) => o.value)];
  if (!known.includes(current)) {
    (current.startsWith("run:") ? runs : portfolios).push({ value: current, label: scopeName(names, current) });
  }
  return [
    { group: "Account", items: [{ value: ACCOUNT, label: "The whole account" }] },
    ...(own.length ? [{ group: "Books", items: own }] : []),
    ...(portfolios.length ? [{ group: "Model portfolios", items: portfolios }] : []),
    ...(runs.length ? [{ group: "Worker runs", items: runs }] : []),
  ];
}

/** A scope in words: "Account", "Manual book", "Live: Kite", a portfolio's or a run's name. */
export function scopeName(names: ScopeNames, scope: string): string {
  if (scope === ACCOUNT) return "Account";
  if (scope.startsWith("book:")) {
    const book = scope.slice("book:".length);
    if (book === "manual") return "Manual book";
    const broker = book.slice("live:".length);
    return `Live: ${broker.charAt(0).toUpperCase()}${broker.slice(1)}`;
  }
  if (scope.startsWith("portfolio:")) {
    const id = Number(scope.slice("portfolio:".length));
    return names.portfolios.find((p) => p.id === id)?.name ?? `Portfolio #${id}`;
  }
  const key = scope.slice("run:".length);
  const run = names.runs.find((r) => r.strategy_run_id === key);
  return run?.name || `Worker run ${key}`;
}

export function draftOf(rule?: RuleOut): RuleDraft {
  return {
    type: rule?.type ?? "daily_loss_limit",
    action: rule?.action ?? "block",
    enabled: rule?.enabled ?? true,
    threshold_amount: rule?.threshold_amount?.toString() ?? "",
    threshold_pct: rule?.threshold_pct?.toString() ?? "",
    threshold_count: rule?.threshold_count?.toString() ?? "",
    target_amount: rule?.target_amount?.toString() ?? "",
    trail_amount: rule?.trail_amount?.toString() ?? "",
    scope: scopeOf(rule),
  };
}

/** The PUT/POST body: only the type's thresholds, blanks as null, text sent as typed. */
export function bodyOf(draft: RuleDraft) {
  const fields = RULE_TYPES.find((t) => t.value === draft.type)?.fields ?? [];
  const take = (f: Threshold) => (fields.includes(f) && draft[f].trim() !== "" ? draft[f].trim() : null);
  const count = take("threshold_count");
  return {
    type: draft.type,
    action: draft.action,
    enabled: draft.enabled,
    threshold_amount: take("threshold_amount"),
    threshold_pct: take("threshold_pct"),
    threshold_count: count === null ? null : Number(count),
    target_amount: take("target_amount"),
    trail_amount: take("trail_amount"),
    portfolio_id: draft.scope.startsWith("portfolio:") ? Number(draft.scope.slice("portfolio:".length)) : null,
    strategy_run_id: draft.scope.startsWith("run:") ? draft.scope.slice("run:".length) : null,
    book: draft.scope.startsWith("book:") ? draft.scope.slice("book:".length) : null,
  };
}
