import { Box, Group, Text, useComputedColorScheme } from "@mantine/core";
import { useEffect, useRef } from "react";
import type { Time } from "lightweight-charts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A day's mark on the date axis as "10 Jun" (the library writes a bare "10"); months and
 * years as the library writes them. */
function dayMark(time: Time, kind: number): string | null {
  if (kind !== 2) return null; // TickMarkType.DayOfMonth
  const day = typeof time === "string" ? /^\d{4}-(\d{2})-(\d{2})$/.exec(time) : null;
  if (day) return `${Number(day[2])} ${MONTHS[Number(day[1]) - 1]}`;
  if (typeof time === "object") return `${time.day} ${MONTHS[time.month - 1]}`;
  return null;
}

export interface Series {
  name: string;
  color: string;
  /** A day (YYYY-MM-DD), or an instant in seconds already moved to IST (`istSeconds`):
   * the axis then reads the time of day. */
  points: { time: string | number; value: number }[];
  dashed?: boolean;
  /** Drawn as a filled area (the drawdown). */
  area?: boolean;
}

/** Lines over dates on lightweight-charts (loaded with the first chart, not the app). `format`
 * writes one value (the crosshair's, the last one's); `ticks` the axis's labels together, so
 * they can share a unit and the places that tell them apart (`moneyTicks`). The first and last
 * dates' labels stay inside the chart (a year once read "20"). */
export function LineChart({ series, label, height = 260, format, ticks }: {
  series: Series[];
  label: string;
  height?: number;
  format: (value: number) => string;
  ticks?: (values: number[]) => string[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const scheme = useComputedColorScheme("light");

  useEffect(() => {
    const el = box.current;
    if (!el || series.every((s) => s.points.length === 0)) return;
    let dispose = () => {};
    let cancelled = false;
    void import("lightweight-charts").then(({ createChart, LineSeries, AreaSeries, ColorType }) => {
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
        localization: { priceFormatter: format, tickmarksPriceFormatter: ticks },
        rightPriceScale: { borderVisible: false },
        timeScale: {
          borderVisible: false, fixLeftEdge: true, fixRightEdge: true, tickMarkFormatter: dayMark,
          timeVisible: series.some((s) => typeof s.points[0]?.time === "number"),
        },
      });
      for (const s of series) {
        const line = s.area
          ? chart.addSeries(AreaSeries, { lineColor: s.color, topColor: `${s.color}11`, bottomColor: `${s.color}55`, lineWidth: 1, invertFilledArea: true })
          : chart.addSeries(LineSeries, { color: s.color, lineWidth: s.dashed ? 1 : 2, lineStyle: s.dashed ? 2 : 0 });
        line.setData(s.points as { time: Time; value: number }[]);
      }
      chart.timeScale().fitContent();
      dispose = () => chart.remove();
    });
    return () => {
      cancelled = true;
      dispose();
    };
  }, [series, scheme, format, ticks]);

  return (
    <div>
      <Box ref={box} h={height} role="img" aria-label={label} />
      <Group gap="md" mt={4}>
        {series.map((s) => (
          <Text size="xs" key={s.name}><span style={{ color: s.color }} aria-hidden>{s.dashed ? "┅" : "━"}</span> {s.name}</Text>
        ))}
      </Group>
    </div>
  );
}

/** Distinct colours for up to four runs (never red or green: those mean direction). */
export const RUN_COLOURS = ["#1c7ed6", "#f08c00", "#7048e8", "#1098ad", "#d6336c", "#5c940d"]; // six: an options comparison's most
export const BENCH_COLOUR = "#868e96";
