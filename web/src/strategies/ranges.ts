// The rule builder's early answer to "can these AND-ed comparisons all hold?" — the server's
// check (tradertape.strategies.ranges) judges on save; this says it as the user types, so the
// editor never shows "Valid" for "RSI 14 < 45 and RSI 14 > 50". Comparisons of one indicator
// (name and lag) with a number bound it; the tightest lower and upper bounds must meet.

import { indicatorName } from "@/format";
import type { SchemaIssue } from "./schemaCheck";

type Node = Record<string, unknown>;
interface Bound { series: string; name: string; lag: number; op: string; value: number }

const MIRROR: Record<string, string> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==" };
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

function boundOf(node: Node): Bound | null {
  if (node.type !== "compare" || !(String(node.op) in MIRROR)) return null;
  let [series, op, number] = [node.left, String(node.op), node.right];
  if (isNode(series) && series.type === "literal") [series, op, number] = [number, MIRROR[op] ?? op, series];
  if (!isNode(series) || series.type !== "indicator" || !isNode(number) || number.type !== "literal") return null;
  if (typeof number.value !== "number" || typeof series.name !== "string") return null;
  const lag = Number(series.lag ?? 0);
  return { series: `${series.name}@${lag}`, name: series.name, lag, op, value: number.value };
}

const lower = (b: Bound): [number, boolean] | null => (b.op === ">" || b.op === ">=" || b.op === "==" ? [b.value, b.op !== ">"] : null);
const upper = (b: Bound): [number, boolean] | null => (b.op === "<" || b.op === "<=" || b.op === "==" ? [b.value, b.op !== "<"] : null);
const tighterLow = (n: [number, boolean], o: [number, boolean]) => n[0] > o[0] || (n[0] === o[0] && o[1] && !n[1]);
const tighterHigh = (n: [number, boolean], o: [number, boolean]) => n[0] < o[0] || (n[0] === o[0] && o[1] && !n[1]);

/** Two comparisons that no value meets (in the order written), or null. */
export function contradiction(bounds: Bound[]): [Bound, Bound] | null {
  const tightest = new Map<string, [Bound | null, Bound | null]>();
  for (const b of bounds) {
    let [lo, hi] = tightest.get(b.series) ?? [null, null];
    const l = lower(b), h = upper(b);
    if (l && (!lo || tighterLow(l, lower(lo)!))) lo = b;
    if (h && (!hi || tighterHigh(h, upper(hi)!))) hi = b;
    tightest.set(b.series, [lo, hi]);
    if (lo && hi) {
      const [a, z] = [lower(lo)!, upper(hi)!];
      if (a[0] > z[0] || (a[0] === z[0] && !(a[1] && z[1]))) return bounds.indexOf(lo) < bounds.indexOf(hi) ? [lo, hi] : [hi, lo];
    }
  }
  return null;
}

function said(b: Bound): string {
  const lag = b.lag === 1 ? " a day ago" : b.lag > 1 ? ` ${b.lag} days ago` : "";
  return `${indicatorName(b.name)}${lag} ${b.op} ${b.value}`;
}

function flatten(node: Node, out: Bound[]): void {
  for (const child of Array.isArray(node.conditions) ? node.conditions : []) {
    if (!isNode(child)) continue;
    if (child.type === "and") flatten(child, out);
    const bound = boundOf(child);
    if (bound) out.push(bound);
  }
}

/** Every `and` in `doc` whose comparisons can never all be true, at its JSON path. */
export function contradictions(doc: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const visit = (value: unknown, path: string): boolean => {
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}[${i}]`)).some(Boolean);
    if (!isNode(value)) return false;
    let inner = false;
    for (const [key, v] of Object.entries(value)) inner = visit(v, path ? `${path}.${key}` : key) || inner;
    if (value.type !== "and" || inner) return inner;
    const bounds: Bound[] = [];
    flatten(value, bounds);
    const found = contradiction(bounds);
    if (found) out.push({ path, message: `${said(found[0])} and ${said(found[1])} can never both be true; change or remove one of them` });
    return found !== null;
  };
  visit(doc, "");
  return out;
}
