// An order above its freeze quantity is placed as children sharing `meta.slice_parent`
// (issue 54): the book labels each child "slice i of n" and sorts a parent's children
// together, so they read as one order.

type Sliceable = { order_id?: string | null; order_timestamp?: string | null; meta?: { [key: string]: unknown } | null };

export function sliceParent(order: Sliceable): string | null {
  const parent = order.meta?.slice_parent;
  return typeof parent === "string" && parent ? parent : null;
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
    const ordered = [...children].sort((a, b) =>
      String(a.order_timestamp ?? "").localeCompare(String(b.order_timestamp ?? "")) || String(a.order_id ?? "").localeCompare(String(b.order_id ?? "")));
    ordered.forEach((child, i) => labels.set(String(child.order_id), `slice ${i + 1} of ${ordered.length}`));
  }
  return labels;
}
