import { describe, expect, it } from "vitest";
import { initialDeploy, toDeployBody, withExecutor } from "./deployForm";

describe("deploy form", () => {
  it("sends every filled guardrail, decimals as exact strings, whole numbers as numbers", () => {
    const body = toDeployBody({
      ...initialDeploy,
      strategy_id: "4",
      name: "  Dip buyer  ",
      starting_capital: "10,00,000.50",
      max_per_sector: "3",
      min_hold_days: "2",
      atr_stop_multiplier: "2.5",
      auto_place_signals: true,
    });
    expect(body).toEqual({
      strategy_id: 4,
      name: "Dip buyer",
      universe: "nifty_100",
      broker: "paper",
      starting_capital: "1000000.50",
      position_size_pct: "10",
      max_positions: 10,
      max_per_sector: 3,
      max_oversubscription: "1.5",
      min_hold_days: 2,
      atr_stop_multiplier: "2.5",
      slippage_bps: "5",
      paper_fill: "gtt",
      paper_mode: true,
      auto_place_signals: true,
      executor: "server",
    });
  });

  it("leaves empty optional fields out and passes bad text through for the API to name", () => {
    const body = toDeployBody({ ...initialDeploy, strategy_id: "2", max_positions: "ten", name: " " });
    expect(body).not.toHaveProperty("name");
    expect(body).not.toHaveProperty("max_per_sector");
    expect(body).not.toHaveProperty("min_hold_days");
    expect(body).not.toHaveProperty("atr_stop_multiplier");
    expect(body.max_positions).toBe("ten");
  });

  it("an agent-run portfolio trades for real at an agent broker with GTT entries", () => {
    const agent = withExecutor({ ...initialDeploy, strategy_id: "4", paper_fill: "close" }, "agent");
    expect(toDeployBody(agent)).toMatchObject({ executor: "agent", broker: "kite", paper_mode: false, paper_fill: "gtt" });
    expect(withExecutor({ ...initialDeploy, broker: "upstox" }, "agent").broker).toBe("upstox");
    const back = withExecutor(agent, "server");
    expect(toDeployBody(back)).toMatchObject({ executor: "server", broker: "paper", paper_mode: true });
  });

  it("sends what the agent places (a GTT unless chosen) for an agent-run portfolio only", () => {
    const agent = withExecutor({ ...initialDeploy, strategy_id: "4" }, "agent");
    expect(toDeployBody(agent).agent_placement).toBe("gtt");
    expect(toDeployBody({ ...agent, agent_placement: "market" }).agent_placement).toBe("market");
    expect(toDeployBody({ ...initialDeploy, strategy_id: "4", agent_placement: "limit" })).not.toHaveProperty("agent_placement");
  });
});
