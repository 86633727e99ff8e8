// The run's timeline as the page shows it: events merged by cursor (the first page and the
// stream may overlap), newest first, filtered by kind, in words.
import type { TimelineEvent } from "./workerApi";

export type Kind = "all" | "execution" | "decision" | "protection";

/** `incoming` added to `events`, each cursor once, oldest first. */
export function mergeEvents(events: TimelineEvent[], incoming: TimelineEvent[]): TimelineEvent[] {
  const byCursor = new Map<number, TimelineEvent>();
  for (const e of [...events, ...incoming]) byCursor.set(e.cursor, e);
  return [...byCursor.values()].sort((a, b) => a.cursor - b.cursor);
}

/** Newest first, of one kind (or all). */
export function shown(events: TimelineEvent[], kind: Kind): TimelineEvent[] {
  return events.filter((e) => kind === "all" || e.event_kind === kind).slice().reverse();
}

const KIND_WORDS: Record<string, string> = { execution: "Execution", decision: "Decision", protection: "Protection" };

export function kindWord(kind: string): string {
  return KIND_WORDS[kind] ?? kind;
}

/** "order.updated" → "Order updated"; "decision.note" → "Note" (the kind says decision). */
export function eventWords(type: string): string {
  const [head, ...rest] = type.split(".");
  const tail = rest.join(" ").replace(/_/g, " ");
  if (head === "decision") return tail.charAt(0).toUpperCase() + tail.slice(1);
  const text = `${head ?? ""} ${tail}`.trim().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A heartbeat's age as a person says it: "never", "8 s ago", "3 min ago", "2 h ago". */
export function ageWords(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "never";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}
