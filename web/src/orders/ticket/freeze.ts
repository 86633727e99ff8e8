// The exchange's freeze quantity, known before sending (issue 54): the instrument read
// carries `freeze_quantity`; an F&O order above it goes in slices of the freeze quantity
// rounded down to whole lots (the rule of `oms/slicing.py`), at most the venue's cap
// (its broker's row, `settings/brokerFacts.ts`; paper's is the pipeline's), and past the
// cap the broker refuses it.
import { qty } from "@/format";

export type SlicePlan =
  | { kind: "whole" }
  | { kind: "sliced"; count: number; per: number; freeze: number }
  | { kind: "refused"; count: number; per: number; freeze: number; cap: number };

/** How an order of `quantity` goes: whole (within the freeze quantity, or none known), in
 * `count` slices of at most `per`, or refused (more slices than `cap`). */
export function slicePlan(quantity: number, freeze: number | null | undefined, lotSize: number, cap: number): SlicePlan {
  const lot = Math.max(lotSize, 1);
  if (!freeze || !Number.isFinite(quantity) || quantity <= freeze || quantity % lot !== 0) return { kind: "whole" };
  const per = Math.floor(freeze / lot) * lot;
  if (per <= 0) return { kind: "whole" };
  const count = Math.ceil(quantity / per);
  return count > cap ? { kind: "refused", count, per, freeze, cap } : { kind: "sliced", count, per, freeze };
}

/** What the ticket says of a plan (empty when the order goes whole). */
export function slicePlanText(plan: SlicePlan): string {
  if (plan.kind === "sliced") {
    return `Above the freeze quantity ${qty(plan.freeze)}: will go in ${plan.count} slices of at most ${qty(plan.per)}.`;
  }
  if (plan.kind === "refused") {
    return `Above the freeze quantity ${qty(plan.freeze)} it needs ${plan.count} slices; at most ${plan.cap} are allowed: send at most ${qty(plan.cap * plan.per)}.`;
  }
  return "";
}
