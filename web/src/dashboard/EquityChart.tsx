import { Box, Group, Text, useComputedColorScheme } from "@mantine/core";
import { useEffect, useRef } from "react";
import type { KeyOf } from "@/api/rows";
import { type Amount, lakhCrore, toNumber } from "@/format";

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

const EQUITY = "#1c7ed6";
const BENCH = "#868e96";

/** Equity against its benchmark; lightweight-charts loads only when a chart is shown. */
export function EquityChart({ equity, benchmark, benchmarkName }: {
  equity: CurvePoint[];
  benchmark: CurvePoint[];
  benchmarkName: string | null | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);
  const scheme = useComputedColorScheme("light");

  useEffect(() => {
    const el = box.current;
    if (!el || equity.length === 0) return;
    let dispose = () => {};
    let cancelled = false;
    void import("lightweight-charts").then(({ createChart, LineSeries, ColorType }) => {
      if (cancelled) return;
      const dark = scheme === "dark";
      const chart = createChart(el, {
        autoSize: true,
        layout: {
          background: { type: ColorType.Solid, color: "transparent" },
          textColor: dark ? "#c1c2c5" : "#495057",
          attributionLogo: false,
        },
        grid: { vertLines: { visible: false }, horzLines: { color: dark ? "#2c2e33" : "#f1f3f5" } },
        localization: { priceFormatter: lakhCrore },
        rightPriceScale: { borderVisible: false },
        timeScale: { borderVisible: false },
      });
      chart.addSeries(LineSeries, { color: BENCH, lineWidth: 1, lineStyle: 2, title: "" }).setData(benchmark);
      chart.addSeries(LineSeries, { color: EQUITY, lineWidth: 2, title: "" }).setData(equity);
      chart.timeScale().fitContent();
      dispose = () => chart.remove();
    });
    return () => {
      cancelled = true;
      dispose();
    };
  }, [equity, benchmark, scheme]);

  if (equity.length === 0) return <Text c="dimmed" size="sm">No equity yet: the curve starts after the first scan.</Text>;
  return (
    <div>
      <Box ref={box} h={240} role="img"
        aria-label={`Equity curve, ${equity.length} days, against ${benchmarkName ?? "its benchmark"}`} />
      <Group gap="md" mt={4}>
        <Text size="xs"><span style={{ color: EQUITY }} aria-hidden>━</span> Equity</Text>
        <Text size="xs"><span style={{ color: BENCH }} aria-hidden>┅</span> {benchmarkName ?? "Benchmark"} (rebased)</Text>
      </Group>
    </div>
  );
}
