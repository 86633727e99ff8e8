// The family switcher's choice (spec §10.6: only me, selected members, or all), kept in this
// browser and shared by every page it scopes (Wealth, Journal). A choice that no longer
// holds (a group left, a member removed) falls back to what still does.
import { useSyncExternalStore } from "react";

export type Scope =
  | { kind: "me" }
  | { kind: "all"; groupId: number }
  | { kind: "selected"; groupId: number; members: number[] };

export const ONLY_ME: Scope = { kind: "me" };
const KEY = "tradertape-family-scope";

/** A stored choice, or only me when it is missing or not one. */
export function parseScope(raw: string | null): Scope {
  if (!raw) return ONLY_ME;
  try {
    const value = JSON.parse(raw) as Partial<{ kind: string; groupId: unknown; members: unknown }>;
    const groupId = Number(value.groupId);
    if (value.kind === "all" && Number.isInteger(groupId) && groupId > 0) return { kind: "all", groupId };
    if (value.kind === "selected" && Number.isInteger(groupId) && groupId > 0 && Array.isArray(value.members)) {
      const members = [...new Set(value.members.map(Number).filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b);
      return members.length > 0 ? { kind: "selected", groupId, members } : { kind: "all", groupId };
    }
  } catch {
    // a hand-edited value: start over
  }
  return ONLY_ME;
}

/** The query the API's family views take (`group_id`, `member`); none for only me. */
export function scopeQuery(scope: Scope): { group_id?: number; member?: number[] } {
  if (scope.kind === "me") return {};
  if (scope.kind === "all") return { group_id: scope.groupId };
  return { group_id: scope.groupId, member: scope.members };
}

interface KnownGroup {
  id: number;
  name: string;
  members: { user_id: number }[];
}

/** The choice as it still holds: a group the user left is only me; members who left are
 * dropped (none left: the whole group). Unchanged while the groups are loading. */
export function stillValid(scope: Scope, groups: KnownGroup[] | undefined): Scope {
  if (scope.kind === "me" || groups === undefined) return scope;
  const group = groups.find((g) => g.id === scope.groupId);
  if (!group) return ONLY_ME;
  if (scope.kind === "all") return scope;
  const ids = new Set(group.members.map((m) => m.user_id));
  const members = scope.members.filter((id) => ids.has(id));
  return members.length > 0 ? { ...scope, members } : { kind: "all", groupId: scope.groupId };
}

/** The choice in words: "Only me", "Sharma family: everyone", "Sharma family: 2 members". */
export function scopeLabel(scope: Scope, groups: KnownGroup[] | undefined): string {
  if (scope.kind === "me") return "Only me";
  const name = groups?.find((g) => g.id === scope.groupId)?.name ?? "Family";
  if (scope.kind === "all") return `${name}: everyone`;
  const n = scope.members.length;
  return `${name}: ${n} ${n === 1 ? "member" : "members"}`;
}

// ----------------------------------------------------------------------------- the store

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Scope | null = null;

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled: the choice lasts this page
  }
}

function read(): Scope {
  if (current === null) current = parseScope(storage()?.getItem(KEY) ?? null);
  return current;
}

/** Choose (every page the switcher scopes follows). */
export function setScope(scope: Scope): void {
  current = scope;
  storage()?.setItem(KEY, JSON.stringify(scope));
  for (const listener of listeners) listener();
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  const other = (event: StorageEvent) => {
    if (event.key !== KEY) return;
    current = parseScope(event.newValue); // chosen in another tab
    listener();
  };
  window.addEventListener("storage", other);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", other);
  };
}

/** The current choice, as stored (check it with `stillValid` against the groups). */
export function useScope(): Scope {
  return useSyncExternalStore(subscribe, read, () => ONLY_ME);
}
