// Which threshold fields a rule type takes (as the API's RuleIn documents), and the body a
// form's text becomes: blanks are nulls, the API checks everything else (422 on the field).
import type { components } from "@/api/client";

export type RuleType = components["schemas"]["RuleType"];
export type RuleAction = components["schemas"]["RuleAction"];
export type RuleOut = components["schemas"]["RuleOut"];
export type Threshold = "threshold_amount" | "threshold_pct" | "threshold_count";

export const RULE_TYPES: { value: RuleType; label: string; fields: Threshold[] }[] = [
  { value: "daily_loss_limit", label: "Daily loss limit (₹)", fields: ["threshold_amount"] },
  { value: "max_exposure", label: "Maximum exposure (₹ and/or % of capital)", fields: ["threshold_amount", "threshold_pct"] },
  { value: "max_sector_exposure_pct", label: "Maximum sector exposure (% of capital)", fields: ["threshold_pct"] },
  { value: "max_open_positions", label: "Maximum open positions", fields: ["threshold_count"] },
  { value: "max_symbol_exposure", label: "Maximum exposure per symbol (₹)", fields: ["threshold_amount"] },
  { value: "max_order_value", label: "Maximum order value (₹)", fields: ["threshold_amount"] },
  { value: "kill_switch", label: "Kill switch", fields: [] },
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
  portfolio_id: string;
}

export function draftOf(rule?: RuleOut): RuleDraft {
  return {
    type: rule?.type ?? "daily_loss_limit",
    action: rule?.action ?? "block",
    enabled: rule?.enabled ?? true,
    threshold_amount: rule?.threshold_amount?.toString() ?? "",
    threshold_pct: rule?.threshold_pct?.toString() ?? "",
    threshold_count: rule?.threshold_count?.toString() ?? "",
    portfolio_id: rule?.portfolio_id?.toString() ?? "",
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
    portfolio_id: draft.portfolio_id.trim() === "" ? null : Number(draft.portfolio_id),
  };
}
