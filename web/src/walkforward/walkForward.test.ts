import { describe, expect, it } from "vitest";
import { initialSweep } from "@/sweeps/sweepForm";
import { degradationWords, firstFoldDays, initialFolds, toWalkForwardBody, verdictLines } from "./walkForward";
import type { Fold, WalkForwardSummary } from "./walkForwardApi";

const values = {
  ...initialSweep,
  strategy_id: "3",
  axes: [{ path: "config.min_hold", label: "Minimum hold", values: "5 to 15 step 5" }],
};

describe("the walk-forward request", () => {
  it("keeps the sweep's fields but the split, and adds the folds", () => {
    const body = toWalkForwardBody(values, { ...initialFolds, anchored: true, purge_days: "2" });
    expect(body).not.toHaveProperty("split_date");
    expect(body).toMatchObject({
      strategy_id: 3,
      in_sample_days: 250,
      out_of_sample_days: 60,
      anchored: true,
      purge_days: 2,
      search: "grid",
      parameters: [{ path: "config.min_hold", start: 5, stop: 15, step: 5 }],
    });
    expect(body).not.toHaveProperty("samples");
  });

  it("sends samples with a random search, and what was typed when it is not a number", () => {
    const body = toWalkForwardBody(values, { ...initialFolds, search: "random", samples: "20", in_sample_days: "lots" });
    expect(body).toMatchObject({ search: "random", samples: 20, in_sample_days: "lots" });
  });

  it("sends trials and the seed with a Bayesian search, samples with neither", () => {
    const body = toWalkForwardBody(values, { ...initialFolds, search: "bayes", trials: "30", seed: "7" });
    expect(body).toMatchObject({ search: "bayes", trials: 30, seed: 7 });
    expect(body).not.toHaveProperty("samples");
    expect(toWalkForwardBody(values, initialFolds)).not.toHaveProperty("trials");
  });

  it("counts the days before the first scored one", () => {
    expect(firstFoldDays({ ...initialFolds, purge_days: "3", embargo_days: "2" })).toBe(255);
  });
});

describe("the verdict's words", () => {
  it("says each statistic in one line with its inputs", () => {
    const summary = {
      folds: 4,
      stitched: { days: [], equity: [], total_return: null, sharpe: null, max_drawdown: null },
      stability: [],
      deflated_sharpe: { dsr: 0.9004, sharpe: 0.16, benchmark: 0.11, trials: 100, sharpe_variance: 0.002, observations: 1250, skew: -3, kurtosis: 10 },
      pbo: { pbo: 0.25, blocks: 10, splits: 252, trials: 100, observations: 1250, logits: [] },
    } as WalkForwardSummary;
    const lines = verdictLines(summary);
    expect(lines.map((l) => [l.label, l.figure])).toEqual([
      ["Deflated Sharpe ratio", "0.90"],
      ["Probability of backtest overfitting", "0.25"],
    ]);
    expect(lines[0]?.words).toContain("best of 100 variants");
    expect(lines[1]?.words).toContain("252 splits");
  });

  it("writes a fold's Sharpe drop, a gain as none", () => {
    const fold = (drop: number | null) => ({ degradation: { sharpe_drop: drop, efficiency: null } }) as Fold;
    expect(degradationWords(fold(0.5))).toBe("−0.50");
    expect(degradationWords(fold(-0.2))).toBe("none (+0.20)");
    expect(degradationWords(fold(null))).toBe("—");
  });
});

describe("parameter labels", () => {
  it("name each path as the request did, its path when it gave no label", async () => {
    const { paramLabels } = await import("@/sweeps/sweepForm");
    expect(paramLabels({ parameters: [{ path: "config.min_hold", label: "Minimum hold" }, { path: "settings.max_positions", label: null }] }))
      .toEqual({ "config.min_hold": "Minimum hold", "settings.max_positions": "settings.max_positions" });
    expect(paramLabels({})).toEqual({});
  });

  it("name an options grid's axis by the server's name, keyed by its path", async () => {
    const { paramLabels } = await import("@/sweeps/sweepForm");
    expect(paramLabels({ parameters: [{ parameter: "stop_loss", label: "legs[*].stop_loss", name: "Stop-loss, every leg" }] }))
      .toEqual({ "legs[*].stop_loss": "Stop-loss, every leg" });
    expect(paramLabels({ parameters: [{ parameter: "stop_loss", label: "legs[*].stop_loss" }] })) // stored before names
      .toEqual({ "legs[*].stop_loss": "legs[*].stop_loss" });
  });
});
