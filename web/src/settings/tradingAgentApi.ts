// The local agent as the web app reads it (/api/trading-agent/…): its heartbeat, what it
// synced from each broker (margins included) and the account's obfuscation switch.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type AgentState = components["schemas"]["AgentStateOut"];
export type AgentHolding = components["schemas"]["AgentHoldingOut"];
export type AgentPosition = components["schemas"]["AgentPositionOut"];

export const agentKeys = {
  status: ["trading-agent", "status"] as const,
  holdings: ["trading-agent", "holdings"] as const,
  positions: ["trading-agent", "positions"] as const,
  obfuscation: ["trading-agent", "obfuscation"] as const,
};

/** The agents' last poll, version and health; `warning` once the latest is three polls late. */
export function useAgentStatus() {
  return useQuery({
    queryKey: agentKeys.status,
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/status")),
    refetchInterval: 15_000,
  });
}

export function useAgentHoldings() {
  return useQuery({
    queryKey: agentKeys.holdings,
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/holdings")),
  });
}

/** Each broker's synced positions and margins (the agent sends both every cycle). */
export function useAgentPositions() {
  return useQuery({
    queryKey: agentKeys.positions,
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/positions")),
    refetchInterval: 30_000,
  });
}

export function useObfuscation() {
  return useQuery({
    queryKey: agentKeys.obfuscation,
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/obfuscation")),
  });
}

export function useChangeObfuscation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { on: boolean; forget_factor?: boolean }) =>
      unwrap(await api.PUT("/api/trading-agent/obfuscation", { body })),
    onSuccess: (saved) => client.setQueryData(agentKeys.obfuscation, saved),
  });
}

/** What's new (CHANGELOG.md) and the agent version this release ships. */
export function useReleaseNotes() {
  return useQuery({
    queryKey: ["trading-agent", "release"],
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/release")),
    staleTime: Infinity, // fixed for the life of the server
  });
}
