// The sweep form's values and the request they make; the heatmap's grid from a sweep's rows.
import { CUSTOM, parseSymbols } from "@/backtests/runForm";
import type { SweepMetrics, SweepRequest, SweepVariant } from "./sweepApi";

export interface AxisValues {
  path: string;
  label: string;
  /** "10, 14, 20" or "5 to 50 step 5" */
  values: string;
}

export interface SweepValues {
  strategy_id: string;
  universe: string; // a universe name, or CUSTOM for the symbol list
  symbols: string;
  start_date: string;
  end_date: string;
  split_date: string;
  max_variants: string;
  axes: AxisValues[];
}

export const initialSweep: SweepValues = {
  strategy_id: "",
  universe: "nifty_50",
  symbols: "",
  start_date: "2021-01-01",
  end_date: "2026-01-01",
  split_date: "2024-01-01",
  max_variants: "200",
  axes: [],
};

const RANGE = /^\s*(-?[\d.]+)\s*(?:to|-|\.\.)\s*(-?[\d.]+)\s*(?:step|by)\s*([\d.]+)\s*$/i;

/** A parameter's values as the API takes them: a list, or a range (`start`/`stop`/`step`). */
export function parseAxis(text: string): { values: number[] } | { start: number; stop: number; step: number } | null {
  const range = RANGE.exec(text);
  if (range) {
    const [start, stop, step] = range.slice(1).map(Number) as [number, number, number];
    return [start, stop, step].every(Number.isFinite) ? { start, stop, step } : null;
  }
  const parts = text.split(/[\s,;]+/).filter(Boolean).map(Number);
  return parts.length > 0 && parts.every(Number.isFinite) ? { values: parts } : null;
}

/** How many values an axis holds (0 when it does not parse), as the server counts them. */
export function axisSize(text: string): number {
  const axis = parseAxis(text);
  if (!axis) return 0;
  if ("values" in axis) return new Set(axis.values).size;
  if (axis.step <= 0 || axis.stop < axis.start) return 0;
  return Math.floor((axis.stop - axis.start) / axis.step + 1e-9) + 1;
}

/** Variants of the grid: the product of the axes' sizes. */
export function gridSize(axes: AxisValues[]): number {
  return axes.length === 0 ? 0 : axes.reduce((n, a) => n * axisSize(a.values), 1);
}

/** A suggestion of values around the current one (indicator lengths and holds: whole). */
export function suggestValues(value: number | null, whole: boolean): string {
  if (value === null || value === 0) return whole ? "5, 10, 20" : "0.5, 1, 2";
  const steps = [0.5, 0.75, 1, 1.25, 1.5];
  const raw = steps.map((f) => value * f);
  const out = whole ? [...new Set(raw.map((v) => Math.max(1, Math.round(v))))] : raw.map((v) => +v.toFixed(2));
  return out.join(", ");
}

export function toSweepBody(v: SweepValues): SweepRequest {
  return {
    strategy_id: Number(v.strategy_id) || undefined,
    universe: v.universe === CUSTOM ? parseSymbols(v.symbols) : v.universe,
    start_date: v.start_date,
    end_date: v.end_date,
    split_date: v.split_date,
    max_variants: Number(v.max_variants) || undefined,
    parameters: v.axes.map((a) => ({ path: a.path, label: a.label, ...(parseAxis(a.values) ?? { values: [] }) })),
  } as SweepRequest;
}

export type Part = "in_sample" | "out_of_sample";
export type MetricKey = Exclude<keyof SweepMetrics, "first_day" | "last_day" | "net">; // (net: an options part's money)

export interface HeatGrid {
  xs: number[];
  ys: number[];
  /** cells[y][x]: the mean of the metric over the variants with those two values (null: none) */
  cells: (number | null)[][];
  /** variants[y][x]: the indices of the variants in that cell (the runs a cell opens) */
  variants: number[][][];
  /** more than two parameters: each cell averages over the others */
  averaged: boolean;
}

/** The metric over two parameters for one part; other parameters are averaged over. */
export function heatGrid(rows: SweepVariant[], xPath: string, yPath: string, part: Part, metric: MetricKey): HeatGrid {
  const values = (path: string) =>
    [...new Set(rows.map((r) => r.params[path]).filter((v): v is number => v !== undefined))].sort((a, b) => a - b);
  const xs = values(xPath);
  const ys = values(yPath);
  const sums = ys.map(() => xs.map(() => ({ total: 0, n: 0, variants: [] as number[] })));
  for (const row of rows) {
    const value = row[part]?.[metric];
    const xv = row.params[xPath];
    const yv = row.params[yPath];
    if (xv === undefined || yv === undefined) continue;
    const cell = sums[ys.indexOf(yv)]?.[xs.indexOf(xv)];
    if (!cell) continue;
    cell.variants.push(row.index);
    if (typeof value !== "number") continue;
    cell.total += value;
    cell.n += 1;
  }
  const averaged = rows.some((r) => Object.keys(r.params).length > 2);
  return {
    xs, ys, averaged,
    cells: sums.map((line) => line.map((c) => (c.n ? c.total / c.n : null))),
    variants: sums.map((line) => line.map((c) => c.variants)),
  };
}

/** Each parameter's label as the request named it (its path when it gave none). */
export function paramLabels(config: { parameters?: unknown }): Record<string, string> {
  // (an options grid's parameters have no path: their label, `legs[*].stop_loss`, keys them,
  // and the server's `name`, "Stop-loss, every leg", says them; one stored before names: its path)
  const params = (config.parameters ?? []) as { path?: string; label?: string | null; name?: string }[];
  return Object.fromEntries(params.map((p) => [p.path ?? p.label ?? "", p.name || p.label || p.path || ""]));
}
