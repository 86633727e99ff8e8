import { describe, expect, it } from "vitest";
import { diffDocuments, diffLines } from "./diff";
import templates from "./fixtures/templates.json";

describe("side-by-side diff", () => {
  it("pairs a changed line and keeps the rest aligned", () => {
    const rows = diffLines(["a", "b", "c"], ["a", "B", "c", "d"]);
    expect(rows.map((r) => [r.kind, r.left, r.right])).toEqual([
      ["same", "a", "a"],
      ["changed", "b", "B"],
      ["same", "c", "c"],
      ["added", null, "d"],
    ]);
    expect(rows[3]).toMatchObject({ leftNo: null, rightNo: 4 });
  });

  it("shows removed lines on the left only", () => {
    const rows = diffLines(["x", "y", "z"], ["x", "z"]);
    expect(rows.map((r) => r.kind)).toEqual(["same", "removed", "same"]);
    expect(rows[1]).toMatchObject({ left: "y", right: null, leftNo: 2 });
  });

  it("a threshold change in V1 is one changed line; the same version has none", () => {
    const v1 = templates.find((t) => t.base_model === "v1_momentum")!;
    expect(diffDocuments(v1, structuredClone(v1)).changes).toBe(0);
    const edited = structuredClone(v1);
    (edited.entry_rules.conditions![1]!.right as { value: number }).value = 65;
    const { rows, changes } = diffDocuments(v1, edited);
    expect(changes).toBe(1);
    const changed = rows.find((r) => r.kind === "changed")!;
    expect(changed.left?.trim()).toBe('"value": 70');
    expect(changed.right?.trim()).toBe('"value": 65');
    expect(changed.leftNo).toBe(changed.rightNo);
  });
});
