// How the Trading Agent panel sums up the agent's heartbeat (GET /api/trading-agent/status).
import type { components } from "@/api/client";
import { brokerLabel, istDateTime } from "@/format";

type AgentState = components["schemas"]["AgentStateOut"];

export type AgentHealth = "none" | "ok" | "stale" | "revoked";

/** Each health's badge: its colour and words. */
export const HEALTH: Record<AgentHealth, { color: string; label: string }> = {
  none: { color: "gray.8", label: "Not connected" },
  ok: { color: "teal.9", label: "Polling" },
  stale: { color: "red.9", label: "Not polling" },
  revoked: { color: "#9a3412", label: "Key revoked" },
};


/** The latest agent's state: never polled, polling, gone quiet (three intervals), or its key revoked. */
export function agentHealth(agents: AgentState[]): AgentHealth {
  const latest = agents[0];
  if (!latest) return "none";
  if (!latest.key_active) return "revoked";
  return latest.stale ? "stale" : "ok";
}

/** "12 s ago", "4 min ago", "3 h ago", "2 days ago". */
export function sinceText(seconds: number): string {
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

/** "Kite" for "kite" (the server's row of facts, `format/brokers`). */
export const brokerName = brokerLabel;

/** The latest agent's heartbeat in a line: "Agent last seen 2 min ago (23 Nov 2026, 14:05:09
 * IST)", or "No agent has connected yet". */
export function lastSeen(agents: AgentState[]): string {
  const latest = agents[0];
  if (!latest) return "No agent has connected yet";
  const when = `Agent last seen ${sinceText(latest.seconds_since_poll)} (${istDateTime(latest.last_poll_at)})`;
  if (!latest.key_active) return `${when}; its key is revoked`;
  return latest.stale ? `${when}; it is not polling` : when;
}
