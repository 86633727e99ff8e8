// Watchlist edits as whole new item lists: the API's PATCH takes the list in its new order.

/** `items` with `symbol` appended (unchanged if already there). */
export function withAdded(items: readonly string[], symbol: string): string[] {
  return items.includes(symbol) ? [...items] : [...items, symbol];
}

/** `items` without `symbol`. */
export function withRemoved(items: readonly string[], symbol: string): string[] {
  return items.filter((s) => s !== symbol);
}

/** `items` with `symbol` moved `by` places (clamped to the ends). */
export function withMoved(items: readonly string[], symbol: string, by: number): string[] {
  const from = items.indexOf(symbol);
  if (from < 0) return [...items];
  const to = Math.max(0, Math.min(items.length - 1, from + by));
  const out = [...items];
  out.splice(from, 1);
  out.splice(to, 0, symbol);
  return out;
}
