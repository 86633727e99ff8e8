// A chart of one instrument: daily candles from /api/market/history, today's forming candle
// from the tick stream, and the strategy DSL's indicators from /api/market/indicators (the
// backtester's own code computes them). lightweight-charts is imported here only, lazily.
import { Alert, Badge, Checkbox, Group, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { PageLoader } from "@/components/PageLoader";
import { PageTitle } from "@/components/PageTitle";
import { useTick } from "@/ticks/useTick";
import { dayOf, priceLabel } from "./chartFormat";

type Charts = typeof import("lightweight-charts");
type Api = import("lightweight-charts").IChartApi;
type Series = import("lightweight-charts").ISeriesApi<"Candlestick">;

const OVERLAYS = {
  sma: { label: "SMA 20", names: ["sma20"] },
  ema: { label: "EMA 50", names: ["ema50"] },
  bb: { label: "Bollinger 20, 2", names: ["bb20_upper", "bb20_middle", "bb20_lower"] },
  rsi: { label: "RSI 14", names: ["rsi14"] },
  macd: { label: "MACD 12, 26, 9", names: ["macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist"] },
} as const;
type Overlay = keyof typeof OVERLAYS;
const ALL_NAMES = Object.values(OVERLAYS).flatMap((o) => o.names);
const COLOURS: Record<string, string> = {
  sma20: "#1c7ed6", ema50: "#ae3ec9", bb20_upper: "#868e96", bb20_middle: "#adb5bd", bb20_lower: "#868e96",
  rsi14: "#f08c00", macd_12_26_9: "#1c7ed6", macd_12_26_9_signal: "#f08c00",
};

export function Component() {
  const symbol = decodeURIComponent(useParams().symbol ?? "");
  const [shown, setShown] = useState<Record<Overlay, boolean>>({ sma: true, ema: false, bb: true, rsi: true, macd: true });
  const history = useQuery({
    queryKey: ["history", symbol],
    queryFn: async () => unwrap(await api.GET("/api/market/history", { params: { query: { symbol, interval: "day" } } })),
  });
  const indicators = useQuery({
    queryKey: ["indicators", symbol],
    queryFn: async () =>
      unwrap(await api.GET("/api/market/indicators", { params: { query: { symbol, names: ALL_NAMES.join(",") } } })),
  });
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: Api; candles: Series; last: { time: string; open: number; high: number; low: number } | null } | null>(null);
  const tick = useTick(symbol);

  useEffect(() => {
    const el = box.current;
    // Kite's row shape, [timestamp, open, high, low, close, volume] (the schema says so).
    const bars = history.data?.candles as [string, number, number, number, number, number][] | undefined;
    if (!el || !bars) return;
    let disposed = false;
    let made: Api | null = null;
    void import("lightweight-charts").then((lib: Charts) => {
      if (disposed) return;
      const dark = document.documentElement.dataset.mantineColorScheme === "dark";
      made = lib.createChart(el, {
        autoSize: true,
        layout: { background: { color: "transparent" }, textColor: dark ? "#ced4da" : "#212529", attributionLogo: false },
        grid: { vertLines: { visible: false }, horzLines: { color: dark ? "#2c2e33" : "#f1f3f5" } },
        timeScale: { borderVisible: false },
      });
      const money = { type: "custom" as const, formatter: priceLabel, minMove: 0.05 };
      const candles = made.addSeries(lib.CandlestickSeries, {
        upColor: "#0ca678", downColor: "#e03131", wickUpColor: "#0ca678", wickDownColor: "#e03131",
        borderVisible: false, priceFormat: money,
      });
      candles.setData(bars.map(([t, open, high, low, close]) => ({ time: dayOf(t), open, high, low, close })));
      const lastBar = bars[bars.length - 1];
      chart.current = {
        api: made, candles,
        last: lastBar ? { time: dayOf(lastBar[0]), open: lastBar[1], high: lastBar[2], low: lastBar[3] } : null,
      };
      const ind = indicators.data;
      if (ind) {
        const line = (name: string) =>
          ind.times.flatMap((t, i) => {
            const v = ind.series[name]?.[i];
            return v == null ? [] : [{ time: dayOf(t), value: v }];
          });
        let pane = 0;
        const priceOverlays: Overlay[] = ["sma", "ema", "bb"];
        for (const key of priceOverlays) {
          if (!shown[key]) continue;
          for (const name of OVERLAYS[key].names) {
            made.addSeries(lib.LineSeries, { color: COLOURS[name], lineWidth: 1, priceFormat: money,
              lastValueVisible: false, priceLineVisible: false, title: name }).setData(line(name));
          }
        }
        if (shown.rsi) {
          pane += 1;
          made.addSeries(lib.LineSeries, { color: COLOURS.rsi14, lineWidth: 1, title: "RSI 14" }, pane).setData(line("rsi14"));
        }
        if (shown.macd) {
          pane += 1;
          made.addSeries(lib.HistogramSeries, { color: "#adb5bd", title: "hist" }, pane).setData(line("macd_12_26_9_hist"));
          for (const name of ["macd_12_26_9", "macd_12_26_9_signal"]) {
            made.addSeries(lib.LineSeries, { color: COLOURS[name], lineWidth: 1, title: name.endsWith("signal") ? "signal" : "MACD" }, pane)
              .setData(line(name));
          }
        }
        made.panes().forEach((p, i) => p.setStretchFactor(i === 0 ? 3 : 1));
      }
      made.timeScale().fitContent();
    });
    return () => {
      disposed = true;
      chart.current = null;
      made?.remove();
    };
  }, [history.data, indicators.data, shown]);

  // The forming candle: today's bar from the tick's open/high/low and last price.
  useEffect(() => {
    const c = chart.current;
    if (!c || !tick || typeof tick.ltp !== "number") return;
    const day = typeof tick.timestamp === "string" ? tick.timestamp.slice(0, 10) : null;
    if (!day || (c.last && day < c.last.time)) return;
    const same = c.last?.time === day;
    const open = tick.ohlc?.open ?? (same ? c.last!.open : tick.ltp);
    const high = Math.max(tick.ohlc?.high ?? tick.ltp, same ? c.last!.high : tick.ltp, tick.ltp);
    const low = Math.min(tick.ohlc?.low ?? tick.ltp, same ? c.last!.low : tick.ltp, tick.ltp);
    c.candles.update({ time: day, open, high, low, close: tick.ltp });
    c.last = { time: day, open, high, low };
  }, [tick]);

  if (history.isPending) return <PageLoader />;
  if (history.error) return <Alert color="red" title={`No chart for ${symbol}`}>{history.error.message}</Alert>;
  const synthetic = history.data.source === "synthetic";

  return (
    <>
      <PageTitle actions={<Text size="sm"><Link to="/market">Back to market watch</Link></Text>}>{`Chart ${symbol}`}</PageTitle>
      <Group gap="md" mb="xs" wrap="wrap">
        {synthetic && (
          <Badge color="yellow" variant="filled" c="black" size="lg">
            Synthetic data: simulated prices, not real
          </Badge>
        )}
        {history.data.source === "none" && <Badge color="gray">No candles stored</Badge>}
        {(Object.keys(OVERLAYS) as Overlay[]).map((key) => (
          <Checkbox key={key} size="xs" label={OVERLAYS[key].label} checked={shown[key]}
            onChange={(e) => { const on = e.currentTarget.checked; setShown((s) => ({ ...s, [key]: on })); }} />
        ))}
      </Group>
      {indicators.error && <Alert color="red" mb="xs">{indicators.error.message}</Alert>}
      <div ref={box} role="img" aria-label={`Daily candles of ${symbol}`} style={{ height: "min(70vh, 620px)", width: "100%" }} />
    </>
  );
}
