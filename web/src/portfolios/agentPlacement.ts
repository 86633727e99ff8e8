// What the local agent places for an agent-run portfolio (its `agent_placement`, migration
// 0063): a GTT at the signal's trigger (the default), or an immediate LIMIT or MARKET order,
// seed 000's SEBI case (orders from the user's own registered static IP). The API holds the
// value (deploy, and PATCH /api/model/portfolios/{id}); these are its words on screen.
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";

export type AgentPlacement = "gtt" | "limit" | "market";

export const AGENT_PLACEMENTS: { value: AgentPlacement; label: string; description: string }[] = [
  { value: "gtt", label: "GTT", description: "a GTT at the signal's trigger, left at the broker until it fills" },
  { value: "limit", label: "Limit order", description: "an order at once, at the signal's limit price" },
  { value: "market", label: "Market order", description: "an order at once, at the market" },
];

/** The API's value as the selector knows it (an unknown one reads as the default, GTT). */
export function placementOf(value: string | null | undefined): AgentPlacement {
  return AGENT_PLACEMENTS.some((p) => p.value === value) ? (value as AgentPlacement) : "gtt";
}

/** The line under the selector: what the agent will do, and the SEBI note for orders. */
export function placementHelp(value: AgentPlacement): string {
  const what = AGENT_PLACEMENTS.find((p) => p.value === value)?.description ?? "";
  return value === "gtt"
    ? `The agent places ${what}.`
    : `The agent places ${what}, from your machine: for brokers that want orders from your registered static IP (SEBI).`;
}

/** Change a running portfolio's placement; the portfolio as the API now has it. */
export const setAgentPlacement = async ({ id, placement }: { id: number; placement: AgentPlacement }) =>
  unwrap(await api.PATCH("/api/model/portfolios/{portfolio_id}", { params: { path: { portfolio_id: id } }, body: { agent_placement: placement } }));
