// Library words: a base model's name, a strategy's rule counts.
import type { Strategy } from "./strategyApi";

/** v1_momentum → "V1 Momentum"; no base model: "Custom". */
export function baseModelName(key: string | null | undefined): string {
  if (!key) return "Custom";
  return key
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

/** "2 entry · 2 exit · 1 add-on" (add-ons only when there are some). */
export function ruleCounts(s: Pick<Strategy, "entry_rule_count" | "exit_rule_count" | "addon_rule_count">): string {
  const parts = [`${s.entry_rule_count} entry`, `${s.exit_rule_count} exit`];
  if (s.addon_rule_count > 0) parts.push(`${s.addon_rule_count} add-on`);
  return parts.join(" · ");
}

/** Which library section a strategy belongs to. */
export function sectionOf(s: Pick<Strategy, "is_owner" | "is_template">): "yours" | "templates" | "public" {
  if (s.is_owner) return "yours";
  return s.is_template ? "templates" : "public";
}
