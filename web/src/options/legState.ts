// Where an option run's leg stands, in words, with the outline colour each state deserves
// (on the way in blue, on the way out grape, done teal or grey, refused red).
export type LegState = string | null | undefined;

const STATES: Record<string, [string, string]> = {
  queued: ["Queued", "gray.7"],
  sent: ["Sent", "blue.8"],
  open: ["Open at the broker", "blue.8"],
  filled: ["Filled", "teal.9"],
  rejected: ["Rejected", "red.8"],
  cancelled: ["Cancelled", "gray.7"],
  skipped: ["Not sent", "gray.7"],
  unwinding: ["Unwinding", "grape.9"],
  unwound: ["Unwound", "gray.7"],
  exiting: ["Exiting", "grape.9"],
  closed: ["Closed", "gray.7"],
  exit_rejected: ["Exit rejected", "red.8"],
  exit_cancelled: ["Exit cancelled", "gray.7"],
  exit_skipped: ["Exit not sent", "gray.7"],
};

/** The state's words and colour; a leg never sent is "Not entered". */
export function legState(state: LegState): [string, string] {
  if (!state) return ["Not entered", "gray.7"];
  return STATES[state] ?? [state.charAt(0).toUpperCase() + state.slice(1).replace(/_/g, " "), "gray.7"];
}

/** Whether any leg is on its way (the page then asks again sooner). */
export function inFlight(states: LegState[]): boolean {
  return states.some((s) => s === "queued" || s === "sent" || s === "open" || s === "unwinding" || s === "exiting");
}

/** What the run does when an entry fills only some of its legs. */
export function partialEntryWords(setting: string | undefined): string {
  return setting === "keep" ? "keep the filled legs under the protection rules" : "unwind the filled legs";
}
