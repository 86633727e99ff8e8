import { describe, expect, it } from "vitest";
import { sliceLabels, sliceParent } from "./slices";

describe("sliceLabels", () => {
  it("labels each child of a sliced order in placement order, and nothing else", () => {
    const orders = [
      { order_id: "B", order_timestamp: "2026-11-27 10:00:00", meta: { source: "api", slice_parent: "S1" } },
      { order_id: "A", order_timestamp: "2026-11-27 10:00:00", meta: { source: "api", slice_parent: "S1" } },
      { order_id: "C", order_timestamp: "2026-11-27 10:00:01", meta: { source: "api" } },
    ];
    const labels = sliceLabels(orders);
    expect(labels.get("A")).toBe("slice 1 of 2");
    expect(labels.get("B")).toBe("slice 2 of 2");
    expect(labels.has("C")).toBe(false);
    expect(sliceParent({ order_id: "C", meta: { source: "api" } })).toBeNull();
  });
});
