// Unread notifications: the API keeps no read marks, so this browser remembers the newest
// notification id the user has opened the list at; anything newer is unread.

const KEY = "tradertape.notifications.seen";

export function seenId(storage: Pick<Storage, "getItem"> = localStorage): number {
  const raw = Number(storage.getItem(KEY));
  return Number.isFinite(raw) && raw > 0 ? raw : 0;
}

export function markSeen(ids: number[], storage: Pick<Storage, "getItem" | "setItem"> = localStorage): void {
  const newest = Math.max(seenId(storage), ...ids);
  if (newest > 0) storage.setItem(KEY, String(newest));
}

/** How many of `ids` are newer than the last one seen. */
export function unreadCount(ids: number[], seen: number): number {
  return ids.filter((id) => id > seen).length;
}
