// An order above its freeze quantity is placed as children sharing `meta.slice_parent`
// (issue 54): the book labels each child "slice i of n" and sorts a parent's children
// together, so they read as one order.

type Sliceable = { order_id?: string | null; order_timestamp?: string | null; meta?: { [key: string]: unknown } | null };

export function sliceParent(order: Sliceable): string | null {
  const parent = order.meta?.slice_parent;
  return typeof parent === "string" && parent ? parent : null;
}

/** Children in the order they were placed: by timestamp, and within one second as the book
 * lists them (the server's and Kite's books are in placement order; order ids are not: a
 * paper id is random, so sorting by it put the remainder first). `sort` is stable. */
function placementOrder<T extends Sliceable>(children: readonly T[]): T[] {
  return [...children].sort((a, b) => String(a.order_timestamp ?? "").localeCompare(String(b.order_timestamp ?? "")));
}

/** order_id → "slice i of n" for every child of a sliced order in `orders` (in placement order). */
export function sliceLabels(orders: readonly Sliceable[]): Map<string, string> {
  const groups = new Map<string, Sliceable[]>();
  for (const order of orders) {
    const parent = sliceParent(order);
    if (parent) groups.set(parent, [...(groups.get(parent) ?? []), order]);
  }
  const labels = new Map<string, string>();
  for (const children of groups.values()) {
    if (children.length < 2) continue;
    const ordered = placementOrder(children);
    ordered.forEach((child, i) => labels.set(String(child.order_id), `slice ${i + 1} of ${ordered.length}`));
  }
  return labels;
}

type Figures = Sliceable & {
  quantity?: number | null;
  filled_quantity?: number | null;
  pending_quantity?: number | null;
  cancelled_quantity?: number | null;
  average_price?: number | null;
  status?: string | null;
  status_message?: string | null;
};

/** A row of the book: an order, or a sliced order standing for its children (`slices`). */
export type Grouped<T> = T & { slices?: T[] };

const WORKING = new Set(["OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED", "PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING", "MODIFY PENDING", "MODIFY VALIDATION PENDING", "CANCEL PENDING"]);
const n = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The parent's status: working while any child works, else COMPLETE if any filled, else
 * the first child's (all rejected or cancelled). */
function parentStatus(children: readonly Figures[]): string {
  const working = children.find((c) => WORKING.has(String(c.status ?? "")));
  if (working) return String(working.status);
  if (children.some((c) => c.status === "COMPLETE")) return "COMPLETE";
  return String(children[0]?.status ?? "");
}

/** The book with each sliced order as one row (issue 54): the parent carries its children
 * in placement order (`slices`), the sum of their quantities, filled, pending and cancelled
 * quantities, their fills' average price and a status that says whether any still works;
 * its `order_id` is its first child's. Orders that were not sliced stay as they are. */
export function groupSlices<T extends Figures>(orders: readonly T[]): Grouped<T>[] {
  const groups = new Map<string, T[]>();
  for (const order of orders) {
    const parent = sliceParent(order);
    if (parent) groups.set(parent, [...(groups.get(parent) ?? []), order]);
  }
  const out: Grouped<T>[] = [];
  const seen = new Set<string>();
  for (const order of orders) {
    const parent = sliceParent(order);
    const group = parent ? groups.get(parent) : undefined;
    if (!parent || !group || group.length < 2) {
      out.push(order);
      continue;
    }
    if (seen.has(parent)) continue;
    seen.add(parent);
    const children = placementOrder(group);
    const filled = children.reduce((sum, c) => sum + n(c.filled_quantity), 0);
    const value = children.reduce((sum, c) => sum + n(c.filled_quantity) * n(c.average_price), 0);
    out.push({
      ...children[0],
      quantity: children.reduce((sum, c) => sum + n(c.quantity), 0),
      filled_quantity: filled,
      pending_quantity: children.reduce((sum, c) => sum + n(c.pending_quantity), 0),
      cancelled_quantity: children.reduce((sum, c) => sum + n(c.cancelled_quantity), 0),
      average_price: filled > 0 ? Math.round((value / filled) * 100) / 100 : 0,
      status: parentStatus(children),
      status_message: `${children.length} slices`,
      slices: children,
    } as Grouped<T>);
  }
  return out;
}


/** Whether a child still works at its exchange (what "cancel all slices" cancels). */
export function isWorkingSlice(order: Figures): boolean {
  return WORKING.has(String(order.status ?? ""));
}

/** What "cancel all slices" of a parent would cancel: how many children still work and the
 * quantity they have pending. */
export function cancellable(children: readonly Figures[]): { working: number; pending: number } {
  const working = children.filter(isWorkingSlice);
  return { working: working.length, pending: working.reduce((sum, c) => sum + n(c.pending_quantity), 0) };
}
