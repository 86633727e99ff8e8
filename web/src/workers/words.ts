// A run's status, mode and health in words, with the badge colour each deserves (colour
// for state, never for decoration; live is visibly different from paper).
export function modeWord(mode: string): string {
  return mode === "dry_run" ? "Dry run" : mode === "live" ? "Live" : "Paper";
}

export function modeColor(mode: string): string {
  return mode === "live" ? "red.9" : "gray.7"; // orange.9 fails AA contrast on white
}

const STATUS: Record<string, string> = { open: "Running", closed: "Exited", failed: "Failed", exiting: "Exiting" };

export function statusWord(status: string): string {
  return STATUS[status] ?? status.charAt(0).toUpperCase() + status.slice(1).replace(/_/g, " ");
}

const HEALTH: Record<string, [string, string]> = {
  healthy: ["Healthy", "teal"],
  stale: ["Stale", "yellow"],
  disconnected: ["Disconnected", "red"],
  unknown: ["No heartbeat yet", "gray"],
};

export function healthWord(health: string): [string, string] {
  return HEALTH[health] ?? [health, "gray"];
}
