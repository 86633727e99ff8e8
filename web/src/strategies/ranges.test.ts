import { describe, expect, it } from "vitest";
import { contradiction, contradictions } from "./ranges";

const OPS: Record<string, (x: number, v: number) => boolean> = {
  ">": (x, v) => x > v, ">=": (x, v) => x >= v, "<": (x, v) => x < v, "<=": (x, v) => x <= v, "==": (x, v) => x === v,
};

/** By search: an interval whose ends are constants holds one, a midpoint, or a point past the ends. */
function meetsAll(cs: [string, number][]): boolean {
  const vs = [...new Set(cs.map(([, v]) => v))].sort((a, b) => a - b);
  if (vs.length === 0) return true;
  const points = [vs[0]! - 1, vs[vs.length - 1]! + 1, ...vs, ...vs.slice(1).map((v, i) => (v + vs[i]!) / 2)];
  return points.some((x) => cs.every(([op, v]) => OPS[op]!(x, v)));
}

const compare = (op: string, value: number, name = "rsi14") => ({
  type: "compare", left: { type: "indicator", name }, op, right: { type: "literal", value },
});

describe("contradictory ranges", () => {
  it("are found exactly when no value meets every comparison (every set of up to three)", () => {
    const one = Object.keys(OPS).flatMap((op) => [-1, 0, 1].map((v) => [op, v] as [string, number]));
    const sets = [[], ...one.map((a) => [a]), ...one.flatMap((a) => one.flatMap((b) => [[a, b], ...one.map((c) => [a, b, c])]))];
    for (const cs of sets) {
      const found = contradiction(cs.map(([op, value]) => ({ series: "rsi14@0", name: "rsi14", lag: 0, op, value })));
      expect(found === null, JSON.stringify(cs)).toBe(meetsAll(cs));
    }
  });

  it("name the two conditions of RSI 14 < 45 and RSI 14 > 50 at the and's path", () => {
    const doc = { name: "t", entry_rules: { type: "and", conditions: [compare("<", 45), compare(">", 50)] } };
    expect(contradictions(doc)).toEqual([
      { path: "entry_rules", message: "RSI 14 < 45 and RSI 14 > 50 can never both be true; change or remove one of them" },
    ]);
  });

  it("leave a band, another indicator and an or alone", () => {
    const band = { type: "and", conditions: [compare("<", 55), compare(">", 50), compare(">", 90, "sma20")] };
    const either = { type: "or", conditions: [compare("<", 45), compare(">", 50)] };
    expect(contradictions({ entry_rules: band, exit_rules: [{ condition: either }] })).toEqual([]);
  });
});
