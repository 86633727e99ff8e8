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
  stopped: ["Stopped", "gray"],
};

/** How long since the last heartbeat, said plainly: "45 s", "3 min", "2 h". */
function silence(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  return seconds < 3600 ? `${Math.floor(seconds / 60)} min` : `${Math.floor(seconds / 3600)} h`;
}

/** The run's health as the heartbeat tells it: a worker that stopped beating says for how
 * long ("No heartbeat for 3 min"), never "Healthy"; a closed or failed run is stopped. */
export function healthWord(health: string, heartbeatAgeSec?: number | null): [string, string] {
  const [word, color] = HEALTH[health] ?? [health, "gray"];
  const quiet = (health === "stale" || health === "disconnected") && heartbeatAgeSec != null;
  return [quiet ? `No heartbeat for ${silence(heartbeatAgeSec)}` : word, color];
}
