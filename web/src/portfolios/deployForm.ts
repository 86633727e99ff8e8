// The deploy form's values and the request body they make. Every guardrail the deploy API
// accepts has a field; empty optional fields are left out so the API's defaults apply.
import type { components } from "@/api/client";
import type { AgentPlacement } from "./agentPlacement";

export type DeployBody = components["schemas"]["PortfolioDeploy"];

export interface DeployValues {
  strategy_id: string;
  name: string;
  universe: string;
  broker: string;
  starting_capital: string;
  position_size_pct: string;
  max_positions: string;
  max_per_sector: string;
  max_oversubscription: string;
  min_hold_days: string;
  atr_stop_multiplier: string;
  slippage_bps: string;
  paper_fill: string;
  paper_mode: boolean;
  auto_place_signals: boolean;
  /** Who places the orders: the server, or the user's local agent from their machine. */
  executor: Executor;
  /** What the agent places for it (sent only when the agent is the executor). */
  agent_placement: AgentPlacement;
}

export type Executor = "server" | "agent";

export const initialDeploy: DeployValues = {
  strategy_id: "",
  name: "",
  universe: "nifty_100",
  broker: "paper",
  starting_capital: "1000000",
  position_size_pct: "10",
  max_positions: "10",
  max_per_sector: "",
  max_oversubscription: "1.5",
  min_hold_days: "",
  atr_stop_multiplier: "",
  slippage_bps: "5",
  paper_fill: "gtt",
  paper_mode: true,
  auto_place_signals: false,
  executor: "server",
  agent_placement: "gtt",
};

/** The values once `executor` is chosen: the agent trades for real at one of its brokers
 * (`agentBrokers`, the brokers' rows; any real broker when not known yet) with GTT entries
 * (Kite unless one of them is chosen already); back to the server, on paper. */
export function withExecutor(v: DeployValues, executor: Executor, agentBrokers?: readonly string[]): DeployValues {
  if (executor === v.executor) return v;
  if (executor === "server") return { ...v, executor, broker: "paper", paper_mode: true };
  const known = agentBrokers ? agentBrokers.includes(v.broker) : v.broker !== "paper";
  const broker = known ? v.broker : "kite";
  return { ...v, executor, broker, paper_mode: false, paper_fill: "gtt" };
}

/** Whole numbers go as numbers; anything else as typed, for the API to judge (and name). */
function integer(text: string): number | string {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** Decimals stay strings (no float rounding); "1,00,000" loses its grouping commas. */
function decimal(text: string): string {
  return text.trim().replace(/,/g, "");
}

/** The deploy request for these values; a field the user left empty is not sent. */
export function toDeployBody(v: DeployValues): DeployBody {
  const body: Record<string, unknown> = {
    strategy_id: integer(v.strategy_id),
    starting_capital: decimal(v.starting_capital),
    paper_mode: v.paper_mode,
    auto_place_signals: v.auto_place_signals,
    executor: v.executor,
  };
  if (v.executor === "agent") body.agent_placement = v.agent_placement;
  const text: [keyof DeployValues, (s: string) => unknown][] = [
    ["name", (s) => s.trim()],
    ["universe", (s) => s.trim()],
    ["broker", (s) => s.trim()],
    ["position_size_pct", decimal],
    ["max_positions", integer],
    ["max_per_sector", integer],
    ["max_oversubscription", decimal],
    ["min_hold_days", integer],
    ["atr_stop_multiplier", decimal],
    ["slippage_bps", decimal],
    ["paper_fill", (s) => s.trim()],
  ];
  for (const [key, convert] of text) {
    const raw = v[key];
    if (typeof raw === "string" && raw.trim() !== "") body[key] = convert(raw);
  }
  return body as DeployBody;
}
