// A chart of one instrument: candles of 1 minute to 1 week with their volume from
// /api/market/history (intraday ones folded from 09:15 IST, weeks from Monday, by the API),
// the forming candle from the tick stream, the user's own fills as
// markers, an OHLC readout under the crosshair, and the strategy DSL's indicators from
// /api/market/indicators (the backtester's own code computes them). Opened from a backtest's
// trade list (?run=…&entry=…&exit=…), it shows the days around that trade with its entry
// and exit marked. lightweight-charts is imported here only, lazily.
import { Alert, Badge, Checkbox, Group, Select, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { PageLoader } from "@/components/PageLoader";
import { PageTitle } from "@/components/PageTitle";
import { useTick } from "@/ticks/useTick";
import { indicatorName, inr, instrumentLabel, istDate, istTime, moneyTicks, pct } from "@/format";
import {
  type ChartInterval, type ChartTime, INTERVALS, type MarkedTrade, TRADE_WORDS, chartTime, fillMarkers, formingCandle,
  intervalMinutes, priceLabel, tradeFills, tradeFromSearch, tradeWindow, volumeLabel,
} from "./chartFormat";

type Charts = typeof import("lightweight-charts");
type Api = import("lightweight-charts").IChartApi;
type Series = import("lightweight-charts").ISeriesApi<"Candlestick">;
type Time = import("lightweight-charts").Time;
type Bar = { time: ChartTime; open: number; high: number; low: number; close: number; volume: number };

// Each overlay's checkbox is named for its indicator (format/indicator); Bollinger's three
// bands share one, named for the bands.
const OVERLAYS = {
  sma: { label: indicatorName("sma20"), names: ["sma20"] },
  ema: { label: indicatorName("ema50"), names: ["ema50"] },
  bb: { label: "Bollinger bands (20, 2)", names: ["bb20_upper", "bb20_middle", "bb20_lower"] },
  rsi: { label: indicatorName("rsi14"), names: ["rsi14"] },
  macd: { label: indicatorName("macd_12_26_9"), names: ["macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist"] },
} as const;
type Overlay = keyof typeof OVERLAYS;
const ALL_NAMES = Object.values(OVERLAYS).flatMap((o) => o.names);
const COLOURS: Record<string, string> = {
  sma20: "#1c7ed6", ema50: "#ae3ec9", bb20_upper: "#868e96", bb20_middle: "#adb5bd", bb20_lower: "#868e96",
  rsi14: "#f08c00", macd_12_26_9: "#1c7ed6", macd_12_26_9_signal: "#f08c00",
};

/** Pixels kept free right of the last candle, and about how wide the price scale is. */
const RIGHT_ROOM_PX = 44;
const PRICE_SCALE_PX = 80;

export function Component() {
  const symbol = decodeURIComponent(useParams().symbol ?? "");
  const named = instrumentLabel(symbol);
  const [shown, setShown] = useState<Record<Overlay, boolean>>({ sma: true, ema: false, bb: true, rsi: true, macd: true });
  const [search] = useSearchParams();
  const trade = useMemo(() => tradeFromSearch(search), [search]);
  const [picked, setTimeframe] = useState<ChartInterval>("day");
  const timeframe: ChartInterval = trade ? "day" : picked; // a backtest trade is on daily candles
  const intraday = intervalMinutes(timeframe) !== null;
  const candleWord = INTERVALS.find((i) => i.value === timeframe)?.candles ?? timeframe;
  const range = trade ? tradeWindow(trade) : null;
  const history = useQuery({
    queryKey: ["history", symbol, timeframe, range?.from, range?.to],
    queryFn: async () => unwrap(await api.GET("/api/market/history", {
      params: { query: { symbol, interval: timeframe, from: range?.from, to: range?.to } },
    })),
  });
  const indicators = useQuery({
    queryKey: ["indicators", symbol, range?.from, range?.to],
    queryFn: async () =>
      unwrap(await api.GET("/api/market/indicators", {
        params: { query: { symbol, names: ALL_NAMES.join(","), from: range?.from, to: range?.to } },
      })),
  });
  const fills = useQuery({
    queryKey: ["fills", symbol],
    queryFn: async () => unwrap(await api.GET("/api/market/fills", { params: { query: { symbol } } })),
  });
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: Api; candles: Series; last: Bar | null } | null>(null);
  const [hover, setHover] = useState<Bar | null>(null);
  const [lastBar, setLastBar] = useState<Bar | null>(null);
  const [tradeMarks, setTradeMarks] = useState(0); // a backtest trade's arrows on the candles
  const tick = useTick(symbol);

  // Kite's row shape, [timestamp, open, high, low, close, volume] (the schema says so).
  const bars = useMemo<Bar[]>(() => {
    const rows = history.data?.candles as [string, number, number, number, number, number][] | undefined;
    return (rows ?? []).map(([t, open, high, low, close, volume]) => ({ time: chartTime(t, timeframe), open, high, low, close, volume }));
  }, [history.data, timeframe]);

  useEffect(() => {
    const el = box.current;
    if (!el || !history.data) return;
    let disposed = false;
    let made: Api | null = null;
    void import("lightweight-charts").then((lib: Charts) => {
      if (disposed) return;
      const dark = document.documentElement.dataset.mantineColorScheme === "dark";
      made = lib.createChart(el, {
        autoSize: true,
        layout: { background: { color: "transparent" }, textColor: dark ? "#ced4da" : "#212529", attributionLogo: false },
        grid: { vertLines: { visible: false }, horzLines: { color: dark ? "#2c2e33" : "#f1f3f5" } },
        // the first date's label inside the chart; room right of the last candle for its marker
        // ("Bought 10" is centred on it) and its time label, whatever the number of candles
        timeScale: {
          borderVisible: false, timeVisible: intraday, secondsVisible: false, fixLeftEdge: true,
          rightOffset: Math.ceil((RIGHT_ROOM_PX * bars.length) / Math.max(el.clientWidth - PRICE_SCALE_PX - RIGHT_ROOM_PX, 1)),
        },
      });
      // the axis in round rupees (₹1,800, not ₹1,800.00: a phone has no room), a price to the paisa
      const money = { type: "custom" as const, formatter: priceLabel, tickmarksFormatter: moneyTicks, minMove: 0.05 };
      const candles = made.addSeries(lib.CandlestickSeries, {
        upColor: "#0ca678", downColor: "#e03131", wickUpColor: "#0ca678", wickDownColor: "#e03131",
        borderVisible: false, priceFormat: money,
      });
      candles.priceScale().applyOptions({ scaleMargins: { top: 0.05, bottom: 0.25 } });
      candles.setData(bars.map((b) => ({ time: b.time as Time, open: b.open, high: b.high, low: b.low, close: b.close })));
      // volume under the candles, on its own scale in the bottom fifth
      const volume = made.addSeries(lib.HistogramSeries, {
        priceScaleId: "volume", priceFormat: { type: "custom", formatter: volumeLabel }, lastValueVisible: false, priceLineVisible: false,
      });
      volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
      volume.setData(bars.map((b) => ({
        time: b.time as Time, value: b.volume, color: b.close >= b.open ? "rgba(12,166,120,0.35)" : "rgba(224,49,49,0.35)",
      })));
      // the user's own fills, one marker per candle and side; a backtest trade's entry and exit
      const times = new Set(bars.map((b) => b.time));
      const marked = trade ? fillMarkers(tradeFills(trade), "day", times, TRADE_WORDS) : [];
      setTradeMarks(marked.length);
      const markers = [...fillMarkers(fills.data?.fills ?? [], timeframe, times), ...marked]
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      lib.createSeriesMarkers(candles, markers.map((m) => ({ ...m, time: m.time as Time })));
      const tail = bars[bars.length - 1] ?? null;
      chart.current = { api: made, candles, last: tail };
      setLastBar(tail);
      made.subscribeCrosshairMove((param) => {
        const at = param.time === undefined ? undefined : bars.find((b) => b.time === param.time);
        setHover(at ?? null);
      });
      const ind = indicators.data;
      if (ind && timeframe === "day") {
        const line = (name: string) =>
          ind.times.flatMap((t, i) => {
            const v = ind.series[name]?.[i];
            return v == null ? [] : [{ time: chartTime(t, "day") as Time, value: v }];
          });
        let pane = 0;
        const priceOverlays: Overlay[] = ["sma", "ema", "bb"];
        for (const key of priceOverlays) {
          if (!shown[key]) continue;
          for (const name of OVERLAYS[key].names) {
            made.addSeries(lib.LineSeries, { color: COLOURS[name], lineWidth: 1, priceFormat: money,
              lastValueVisible: false, priceLineVisible: false, title: indicatorName(name) }).setData(line(name));
          }
        }
        if (shown.rsi) {
          pane += 1;
          made.addSeries(lib.LineSeries, { color: COLOURS.rsi14, lineWidth: 1, title: indicatorName("rsi14") }, pane).setData(line("rsi14"));
        }
        if (shown.macd) {
          pane += 1;
          made.addSeries(lib.HistogramSeries, { color: "#adb5bd", title: "Histogram" }, pane).setData(line("macd_12_26_9_hist"));
          for (const name of ["macd_12_26_9", "macd_12_26_9_signal"]) {
            made.addSeries(lib.LineSeries, { color: COLOURS[name], lineWidth: 1, title: name.endsWith("signal") ? "Signal" : "MACD" }, pane)
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
  }, [history.data, bars, indicators.data, fills.data, shown, timeframe, intraday, trade]);

  // The forming candle from the tick: today's, this week's or this interval's bucket.
  useEffect(() => {
    const c = chart.current;
    if (trade) return; // a past trade's days: today's candle does not belong there
    if (!c || !tick || typeof tick.ltp !== "number" || typeof tick.timestamp !== "string") return;
    const next = formingCandle(c.last, { ltp: tick.ltp, timestamp: tick.timestamp, ohlc: tick.ohlc }, timeframe);
    if (!next) return;
    c.candles.update({ time: next.time as Time, open: next.open, high: next.high, low: next.low, close: next.close });
    c.last = next;
    setLastBar(next);
  }, [tick, timeframe, trade]);

  if (history.isPending) return <PageLoader />;
  if (history.error) return <Alert color="red" title={`No chart for ${named}`}>{history.error.message}</Alert>;
  const synthetic = history.data.source === "synthetic";

  return (
    <>
      <PageTitle actions={
        <Group gap="md" wrap="nowrap">
          <Text size="sm"><Link to={`/alerts?symbol=${encodeURIComponent(symbol)}`}>Set an alert</Link></Text>
          <Text size="sm"><Link to="/market">Back to market watch</Link></Text>
        </Group>
      }>{`Chart ${named}`}</PageTitle>
      {trade && <TradeNote trade={trade} symbol={symbol} />}
      <Group gap="md" mb="xs" wrap="wrap">
        {!trade && (
          <Select size="xs" w={130} aria-label="Candle interval" value={timeframe} allowDeselect={false}
            onChange={(v) => v && setTimeframe(v as ChartInterval)} data={INTERVALS.map(({ value, label }) => ({ value, label }))} comboboxProps={{ withinPortal: true }} />
        )}
        {synthetic && (
          <Badge color="yellow" variant="filled" c="black" size="lg" maw="100%" h="auto" py={4}
            styles={{ label: { whiteSpace: "normal", overflow: "visible" } }}>
            Synthetic data: simulated prices, not real
          </Badge>
        )}
        {history.data.source === "none" && <Badge color="gray">No candles stored</Badge>}
        {timeframe === "day" && (Object.keys(OVERLAYS) as Overlay[]).map((key) => (
          <Checkbox key={key} size="xs" label={OVERLAYS[key].label} checked={shown[key]}
            onChange={(e) => { const on = e.currentTarget.checked; setShown((s) => ({ ...s, [key]: on })); }} />
        ))}
      </Group>
      {indicators.error && <Alert color="red" mb="xs">{indicators.error.message}</Alert>}
      {intraday && history.data.candles.length === 0 && (
        <Alert color="gray" mb="xs" title="No minute candles yet">
          Minute candles come from imported data or, during the session, from the live prices.
        </Alert>
      )}
      <OhlcReadout bar={hover ?? lastBar} timeframe={timeframe} />
      <div ref={box} role="img" aria-label={`${candleWord} candles of ${named}${tradeMarks === 2 ? ", the trade's entry and exit marked" : ""}`} style={{ height: "min(70vh, 620px)", width: "100%" }} />
    </>
  );
}

/** Which backtest trade is marked, what it made, and the way back to its run. */
function TradeNote({ trade, symbol }: { trade: MarkedTrade; symbol: string }) {
  const change = ((trade.exitPrice - trade.entryPrice) / trade.entryPrice) * 100;
  return (
    <Alert color="gray" variant="outline" mb="xs" role="note" title={`A trade of backtest run #${trade.run}`}>
      <Text size="sm">
        Bought {trade.quantity} {instrumentLabel(symbol)} on {istDate(trade.entry)} at {inr(trade.entryPrice)}, sold on {istDate(trade.exit)} at{" "}
        {inr(trade.exitPrice)} (<span className={change > 0 ? "up" : change < 0 ? "down" : undefined}>{pct(change, { signed: true })}</span>{" "}
        before charges). The arrows mark the entry and the exit. <Link to={`/backtests/runs/${trade.run}`}>Back to the run</Link>
      </Text>
    </Alert>
  );
}

/** Open, high, low, close and volume of the candle under the crosshair (else the last one). */
function OhlcReadout({ bar, timeframe }: { bar: Bar | null; timeframe: ChartInterval }) {
  if (!bar) return null;
  // a minute's time is shifted to read IST on the axis (chartTime): undo it for the words
  const when = typeof bar.time === "number"
    ? `${istDate(new Date((bar.time - 19_800) * 1000))}, ${istTime(new Date((bar.time - 19_800) * 1000)).slice(0, 5)}`
    : `${timeframe === "week" ? "Week of " : ""}${istDate(bar.time)}`;
  const change = bar.close - bar.open;
  return (
    <Group gap="sm" mb={4} wrap="wrap" data-testid="ohlc" aria-live="off">
      <Text size="xs" c="dimmed">{when}{intervalMinutes(timeframe) !== null ? " IST" : ""}</Text>
      <Text size="xs">O <b className="num">{inr(bar.open)}</b></Text>
      <Text size="xs">H <b className="num">{inr(bar.high)}</b></Text>
      <Text size="xs">L <b className="num">{inr(bar.low)}</b></Text>
      <Text size="xs">C <b className={`num ${change > 0 ? "up" : change < 0 ? "down" : ""}`}>{inr(bar.close)}</b></Text>
      <Text size="xs">Vol. <b className="num">{volumeLabel(bar.volume)}</b></Text>
    </Group>
  );
}
