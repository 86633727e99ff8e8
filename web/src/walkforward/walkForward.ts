// The walk-forward form's fold settings and the request they make; the page's words for
// the verdict (each statistic in one line).
import { toSweepBody, type SweepValues } from "@/sweeps/sweepForm";
import type { Fold, WalkForwardRequest, WalkForwardSummary } from "./walkForwardApi";

export interface FoldValues {
  in_sample_days: string;
  out_of_sample_days: string;
  anchored: boolean;
  purge_days: string;
  embargo_days: string;
  search: "grid" | "random" | "bayes";
  samples: string;
  trials: string;
  seed: string;
}

export const initialFolds: FoldValues = {
  in_sample_days: "250",
  out_of_sample_days: "60",
  anchored: false,
  purge_days: "0",
  embargo_days: "0",
  search: "grid",
  samples: "50",
  trials: "50",
  seed: "0",
};

/** A whole number typed in a box, or the text itself (the server names what is wrong). */
const whole = (text: string): number | string => (/^\s*\d+\s*$/.test(text) ? Number(text) : text);

/** The folds' fields of a request (an equity or an options walk-forward's). */
export function foldFields(f: FoldValues) {
  return {
    in_sample_days: whole(f.in_sample_days),
    out_of_sample_days: whole(f.out_of_sample_days),
    anchored: f.anchored,
    purge_days: whole(f.purge_days),
    embargo_days: whole(f.embargo_days),
  };
}

export function toWalkForwardBody(v: SweepValues, f: FoldValues): WalkForwardRequest {
  const { split_date: _split, ...sweep } = toSweepBody(v);
  return {
    ...sweep,
    ...foldFields(f),
    search: f.search,
    ...(f.search === "random" ? { samples: whole(f.samples) } : {}),
    ...(f.search === "bayes" ? { trials: whole(f.trials) } : {}),
    ...(f.search !== "grid" ? { seed: whole(f.seed) } : {}),
  } as WalkForwardRequest;
}

/** How many trading days the first fold needs before anything is scored. */
export function firstFoldDays(f: FoldValues): number {
  return [f.in_sample_days, f.purge_days, f.embargo_days].reduce((n, t) => n + (Number(t) || 0), 0);
}

/** The verdict in words: each statistic in one line a person reads. */
export function verdictLines(summary: WalkForwardSummary): { label: string; figure: string; words: string }[] {
  const lines: { label: string; figure: string; words: string }[] = [];
  const dsr = summary.deflated_sharpe;
  if (dsr) {
    lines.push({
      label: "Deflated Sharpe ratio",
      figure: dsr.dsr.toFixed(2),
      words: `the chance the stitched curve's Sharpe is real skill, not the luck of the best of ${dsr.trials} variants tried (0.95 or more is convincing)`,
    });
  }
  const pbo = summary.pbo;
  if (pbo) {
    lines.push({
      label: "Probability of backtest overfitting",
      figure: pbo.pbo.toFixed(2),
      words: `in ${pbo.splits} splits of the history, how often the in-sample best was below the median out of sample (above 0.5: picking the best is worse than picking at random)`,
    });
  }
  return lines;
}

/** The fold's degradation in words: how much of its Sharpe the choice kept out of sample. */
export function degradationWords(fold: Fold): string {
  const drop = fold.degradation?.sharpe_drop;
  if (drop === null || drop === undefined) return "—";
  if (drop <= 0) return `none (+${(-drop).toFixed(2)})`;
  return `−${drop.toFixed(2)}`;
}
