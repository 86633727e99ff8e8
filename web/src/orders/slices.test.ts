import { describe, expect, it } from "vitest";
import { cancellable, groupSlices, sliceLabels, sliceParent } from "./slices";

describe("sliceLabels", () => {
  it("labels each child of a sliced order in placement order (the book's, within a second; not by id), and nothing else", () => {
    const orders = [
      { order_id: "B", order_timestamp: "2026-11-27 10:00:00", meta: { source: "api", slice_parent: "S1" } },
      { order_id: "A", order_timestamp: "2026-11-27 10:00:00", meta: { source: "api", slice_parent: "S1" } },
      { order_id: "C", order_timestamp: "2026-11-27 10:00:01", meta: { source: "api" } },
    ];
    const labels = sliceLabels(orders);
    expect(labels.get("B")).toBe("slice 1 of 2");
    expect(labels.get("A")).toBe("slice 2 of 2");
    expect(labels.has("C")).toBe(false);
    expect(sliceParent({ order_id: "C", meta: { source: "api" } })).toBeNull();
  });
});

type Row = {
  order_id: string; order_timestamp: string; meta: { [key: string]: unknown }; quantity: number; filled_quantity: number;
  pending_quantity?: number; cancelled_quantity?: number; average_price?: number; status: string; status_message?: string;
};

describe("groupSlices", () => {
  const child = (id: string, quantity: number, filled: number, avg: number, status: string): Row => ({
    order_id: id, order_timestamp: "2026-11-27 10:00:00", meta: { source: "api", slice_parent: "S1" },
    quantity, filled_quantity: filled, pending_quantity: quantity - filled, cancelled_quantity: 0, average_price: avg, status,
  });

  it("shows a sliced order as one row: its children nested, the filled quantity their sum", () => {
    const lone: Row = { order_id: "Z", order_timestamp: "2026-11-27 09:00:00", meta: { source: "api" }, quantity: 10, filled_quantity: 0, status: "OPEN" };
    const rows = groupSlices([child("B", 1755, 1755, 101, "COMPLETE"), lone, child("A", 1755, 1755, 100, "COMPLETE"), child("C", 195, 0, 0, "OPEN")]);
    expect(rows.map((r) => r.order_id)).toEqual(["B", "Z"]);
    const parent = rows[0];
    if (!parent) throw new Error("no rows");
    expect(parent.slices?.map((c) => c.order_id)).toEqual(["B", "A", "C"]);
    expect(parent.quantity).toBe(3705);
    expect(parent.filled_quantity).toBe(3510);
    expect(parent.pending_quantity).toBe(195);
    expect(parent.average_price).toBe(100.5);
    expect(parent.status).toBe("OPEN"); // a child still works: the order is open
    expect(parent.status_message).toBe("3 slices");
    expect(rows[1]).toBe(lone);
  });

  it("is complete once every child is done and any filled", () => {
    const [parent] = groupSlices([child("A", 1755, 1755, 100, "COMPLETE"), child("B", 1755, 0, 0, "REJECTED")]);
    if (!parent) throw new Error("no rows");
    expect(parent.status).toBe("COMPLETE");
    expect(parent.filled_quantity).toBe(1755);
  });
});

describe("cancellable", () => {
  it("counts the children that still work and their pending quantity, not the filled or refused", () => {
    const children = [
      { status: "COMPLETE", pending_quantity: 0 },
      { status: "OPEN", pending_quantity: 1755 },
      { status: "TRIGGER PENDING", pending_quantity: 195 },
      { status: "REJECTED", pending_quantity: 0 },
    ];
    expect(cancellable(children)).toEqual({ working: 2, pending: 1950 });
    expect(cancellable([{ status: "CANCELLED", pending_quantity: 0 }])).toEqual({ working: 0, pending: 0 });
  });
});
