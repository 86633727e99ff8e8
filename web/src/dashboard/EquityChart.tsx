import { Text } from "@mantine/core";
import { useMemo } from "react";
import { BENCH_COLOUR, LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import type { KeyOf } from "@/api/rows";
import { type Amount, instrumentLabel, lakhCrore, moneyTicks, toNumber } from "@/format";

export interface CurvePoint {
  time: string;
  value: number;
}

/** Points of an API curve (`date` plus a rupee string or a number) the chart can draw. */
export function toPoints<T extends { date: string }>(rows: T[], field: KeyOf<T, string | number>): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const row of rows) {
    const value = toNumber(row[field as keyof T] as Amount);
    if (value !== null) out.push({ time: row.date, value });
  }
  return out;
}

/** Equity against its benchmark (rebased); lightweight-charts loads only when shown. */
export function EquityChart({ equity, benchmark, benchmarkName }: {
  equity: CurvePoint[];
  benchmark: CurvePoint[];
  benchmarkName: string | null | undefined;
}) {
  const named = benchmarkName ? instrumentLabel(benchmarkName) : null;
  const series = useMemo<Series[]>(
    () => [
      { name: `${named ?? "Benchmark"} (rebased)`, color: BENCH_COLOUR, points: benchmark, dashed: true },
      { name: "Equity", color: RUN_COLOURS[0]!, points: equity },
    ],
    [equity, benchmark, named],
  );
  if (equity.length === 0) return <Text c="dimmed" size="sm">No equity yet: the curve starts after the first scan.</Text>;
  return (
    <LineChart series={series} height={240} format={lakhCrore} ticks={moneyTicks}
      label={`Equity curve, ${equity.length} days, against ${named ?? "its benchmark"}`} />
  );
}
