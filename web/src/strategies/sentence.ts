// A strategy's rules read back as plain sentences ("Buy when RSI 14 crosses above 60 and
// close > SMA 20 × 1.02"). Only words: the document itself is what the server judges.

import { indicatorName, nameWords } from "@/format";

type Node = Record<string, unknown>;

const POSITION: Record<string, string> = {
  total_bars_held: "days held",
  entry_price: "entry price",
  unrealized_pct: "unrealised P&L %",
  bars_since_addon: "days since the last add-on",
  addon_count: "add-ons",
  highest_close: "highest close since entry",
};

const OPS: Record<string, string> = { ">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "is", "!=": "is not" };
const ARITH: Record<string, string> = { add: "+", sub: "−", mul: "×", div: "÷" };

function literal(value: unknown): string {
  if (typeof value === "string") return value.replace(/_/g, " ");
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** One operand in words. */
export function operand(node: Node, nested = false): string {
  switch (node.type) {
    case "indicator": {
      const name = indicatorName(String(node.name), { midSentence: true });
      const lag = Number(node.lag ?? 0);
      return lag > 0 ? `${name} ${lag === 1 ? "a day" : `${lag} days`} ago` : name;
    }
    case "literal":
      return literal(node.value);
    case "position":
      return POSITION[String(node.field)] ?? String(node.field).replace(/_/g, " ");
    case "random":
      return "a random draw (0–1)";
    case "add":
    case "sub":
    case "mul":
    case "div": {
      const text = `${operand(node.left as Node, true)} ${ARITH[node.type]} ${operand(node.right as Node, true)}`;
      return nested && (node.type === "add" || node.type === "sub") ? `(${text})` : text;
    }
    default:
      return String(node.type);
  }
}

/** A condition tree in words; "and" binds tighter than "or" so an "or" inside "and" is bracketed. */
export function condition(node: Node | null | undefined, parent: "and" | "or" | "not" | null = null): string {
  if (!node) return "never";
  switch (node.type) {
    case "compare":
      return `${operand(node.left as Node)} ${OPS[String(node.op)] ?? node.op} ${operand(node.right as Node)}`;
    case "crosses_above":
    case "crosses_below":
      return `${operand(node.left as Node)} crosses ${node.type === "crosses_above" ? "above" : "below"} ${operand(node.right as Node)}`;
    case "and":
    case "or": {
      const parts = ((node.conditions as Node[]) ?? []).map((c) => condition(c, node.type as "and" | "or"));
      const text = parts.join(` ${node.type} `);
      return parent && parent !== node.type && parts.length > 1 ? `(${text})` : text;
    }
    case "not":
      return `not (${condition(node.condition as Node, "not")})`;
    default:
      return String(node.type);
  }
}

/** The whole strategy as sentences: entry, each exit by priority, add-ons and holding limits. */
export function strategySentences(doc: Node): string[] {
  const out = [`Buy when ${condition(doc.entry_rules as Node)}.`];
  const exits = [...((doc.exit_rules as Node[]) ?? [])].sort((a, b) => Number(a.priority) - Number(b.priority));
  exits.forEach((rule, i) => {
    const override = rule.ignore_min_hold ? " (even within the minimum hold)" : "";
    const at = rule.exit_price ? ` at ${operand(rule.exit_price as Node)}` : "";
    out.push(`${i === 0 ? "Sell" : "Otherwise sell"} when ${condition(rule.condition as Node)}${at}${override} — “${nameWords(String(rule.name))}”.`);
  });
  const addon = doc.addon_rules as Node | undefined;
  if (addon?.enabled) {
    out.push(
      `Add up to ${addon.max_addons} time(s), ${addon.size_pct}% of the first size, when ${condition(addon.condition as Node)}` +
        `, at least ${addon.min_bars_between} day(s) apart.`,
    );
  }
  const config = (doc.config as Node | undefined) ?? {};
  const holds: string[] = [];
  if (Number(config.min_hold) > 0) holds.push(`hold at least ${config.min_hold} days`);
  if (config.max_hold != null) holds.push(`at most ${config.max_hold} days`);
  if (Number(config.atr_stop_mult) > 0) holds.push(`stop at ${config.atr_stop_mult} × ATR below entry`);
  if (config.gap_down_exit_pct != null) holds.push(`exit on a gap down of ${config.gap_down_exit_pct}%`);
  if (holds.length) out.push(`${holds.join("; ").replace(/^./, (c) => c.toUpperCase())}.`);
  return out;
}
