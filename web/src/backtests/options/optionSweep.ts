// An options sweep's grid as the form holds it (one or two parameters, each its legs and its
// values as text), the request it makes, and the heatmap a finished sweep draws: its cells
// on rows (the first parameter's values) and columns (the second's), coloured by a figure.
// A walk-forward of the same grid asks the sweep's request with the folds (`walkForwardRequest`).
import type { components } from "@/api/schema";
import { type FoldValues, foldFields } from "@/walkforward/walkForward";
import type { OptionWalkForwardRequest } from "@/walkforward/walkForwardApi";
import { number, type OptionRunRequest } from "./optionDoc";

export type OptionSweepRequest = components["schemas"]["OptionSweepRequest"];
export type OptionSweep = components["schemas"]["OptionSweepOut"];
export type OptionSweepBrief = components["schemas"]["OptionSweepBrief"];
export type OptionSweepCell = components["schemas"]["OptionSweepCellOut"];
type Axis = components["schemas"]["OptionsAxis"];
export type SweepParameter = Axis["parameter"];

export const SWEEP_PARAMETERS: { value: SweepParameter; label: string }[] = [
  { value: "strike", label: "Strike (offset, premium, delta or %)" },
  { value: "stop_loss", label: "Stop-loss" },
  { value: "target", label: "Target" },
  { value: "trailing_every", label: "Trail every" },
  { value: "trailing_by", label: "Trail by" },
  { value: "reentry_times", label: "Re-entries" },
  { value: "lots", label: "Lots" },
  { value: "entry_time", label: "Entry time" },
  { value: "exit_time", label: "Exit time" },
];
const TIMES: SweepParameter[] = ["entry_time", "exit_time"];

export interface SweepAxisValues {
  parameter: SweepParameter;
  legs: string; // "1, 2" (as the builder numbers them); empty: every leg
  values: string; // "20, 30, 40" or "09:20, 10:00"
  unit: "" | "points" | "pct" | "rupees"; // stop-loss / target of a leg without one
}

export const newAxis = (parameter: SweepParameter = "stop_loss"): SweepAxisValues => ({ parameter, legs: "", values: "", unit: "" });

const words = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/** The API's axis: legs counted from 0 (the builder shows them from 1); times stay text. */
export function axisDocument(a: SweepAxisValues): Axis {
  const timed = TIMES.includes(a.parameter);
  const axis: Axis = { parameter: a.parameter, values: words(a.values).map((w) => (timed ? w : number(w))) };
  if (!timed && a.legs.trim()) axis.legs = words(a.legs).map((w) => number(w) - 1);
  if (a.unit && (a.parameter === "stop_loss" || a.parameter === "target")) axis.unit = a.unit;
  return axis;
}

/** The sweep's request: the run's own, and the grid. */
export function sweepRequest(run: OptionRunRequest, axes: SweepAxisValues[]): OptionSweepRequest {
  return { ...run, parameters: axes.map(axisDocument) };
}

export type Objective = NonNullable<OptionWalkForwardRequest["objective"]>;

/** A walk-forward's request: the sweep's (the run's fields and the grid), the folds and
 * the objective a fold chooses by (the whole grid in every fold: no search). */
export function walkForwardRequest(run: OptionRunRequest, axes: SweepAxisValues[], folds: FoldValues, objective: Objective): OptionWalkForwardRequest {
  return { ...sweepRequest(run, axes), ...foldFields(folds), objective } as OptionWalkForwardRequest;
}

export type HeatFigure = "net" | "max_drawdown" | "win_rate";
export const HEAT_FIGURES: { value: HeatFigure; label: string }[] = [
  { value: "net", label: "Net P&L" },
  { value: "max_drawdown", label: "Max drawdown" },
  { value: "win_rate", label: "Win rate" },
];

export interface HeatCell {
  cell: OptionSweepCell | null; // null: not finished yet
  value: number | null;
  shade: number; // 0 (worst) … 1 (best) among the finished cells; 0.5 when all are equal
}

export interface Heatmap {
  rows: (number | string)[];
  cols: (number | string)[];
  rowLabel: string;
  colLabel: string | null;
  cells: HeatCell[][];
}

const figure = (cell: OptionSweepCell, key: HeatFigure): number | null => {
  const v = cell[key];
  return v === null || v === undefined ? null : Number(v);
};

/** The sweep's cells on the grid, each shaded by `key` (higher is better: a drawdown is
 * negative, nearer 0 better). */
export function heatmap(sweep: OptionSweep, key: HeatFigure): Heatmap {
  const [first, second] = sweep.axes;
  const rows = first?.values ?? [];
  const cols = second?.values ?? first?.values ?? [];
  const height = second ? rows.length : 1;
  const grid: HeatCell[][] = Array.from({ length: height }, () => cols.map(() => ({ cell: null, value: null, shade: 0.5 })));
  for (const cell of sweep.cells) {
    const row = grid[cell.row];
    if (row && cell.col < row.length) row[cell.col] = { cell, value: figure(cell, key), shade: 0.5 };
  }
  const values = grid.flat().map((c) => c.value).filter((v): v is number => v !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  for (const c of grid.flat()) if (c.value !== null && hi > lo) c.shade = (c.value - lo) / (hi - lo);
  return { rows: second ? rows : [""], cols, rowLabel: second ? (first?.name ?? "") : "", colLabel: (second ?? first)?.name ?? null, cells: grid };
}

/** A cell in words: each parameter's name (the server's) and value (`Stop-loss, every leg = 30; Entry time = 09:20`). */
export function cellName(sweep: OptionSweep, cell: Pick<OptionSweepCell, "values">): string {
  return sweep.axes.map((a, i) => `${a.name} = ${String(cell.values[i])}`).join("; ");
}
