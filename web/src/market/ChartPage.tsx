// A chart of one instrument: candles of 1 minute to 1 week with their volume from
// /api/market/history (intraday ones folded from 09:15 IST, weeks from Monday, by the API),
// the forming candle from the tick stream, the user's own fills as
// markers, an OHLC readout under the crosshair, every indicator the strategy DSL knows
// (/api/market/indicator-forms lists them; /api/market/indicators computes them with the
// backtester's own code, at the chart's interval) over the price or in panes below, and the
// user's drawings (levels, trend lines, Fibonacci retracements; /api/market/drawings) as a
// series primitive, drawn by mouse or by keyboard (the chart takes focus: arrows move a
// point, Enter places it, Delete takes it back, Escape stops; each step is announced).
// Legends sit above the chart, never over its scales. Opened from a
// backtest's trade list (?run=…&entry=…&exit=…), it shows the days around that trade with
// its entry and exit marked. lightweight-charts is imported here only, lazily.
import { ActionIcon, Alert, Badge, Button, Group, NumberInput, Select, Text, VisuallyHidden } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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
import {
  type Anchor, DEFAULT_INDICATORS, type DrawingKind, type IndicatorForm, type KeyCursor, MAX_INDICATORS, addPoint, candleAt,
  keyAction, nameOf, panesFor, priceStep, secondsOf, timeOf,
} from "./chartDrawing";
import { DrawingsPrimitive, type Shape } from "./chartPrimitives";

type Charts = typeof import("lightweight-charts");
type Api = import("lightweight-charts").IChartApi;
type Series = import("lightweight-charts").ISeriesApi<"Candlestick">;
type Time = import("lightweight-charts").Time;
type Bar = { time: ChartTime; open: number; high: number; low: number; close: number; volume: number };

// Series colours, in the order indicators are added; a MACD's histogram is grey.
const PALETTE = ["#1c7ed6", "#ae3ec9", "#f08c00", "#0ca678", "#e8590c", "#5f3dc4", "#c2255c", "#495057", "#2f9e44", "#1098ad"];
const DEFAULT_PLACES: Record<string, "price" | "pane"> = {
  sma20: "price", bb20_upper: "price", bb20_middle: "price", bb20_lower: "price",
  rsi14: "pane", macd_12_26_9: "pane", macd_12_26_9_signal: "pane", macd_12_26_9_hist: "pane",
};
const TOOLS: { kind: DrawingKind; label: string; hint: string }[] = [
  { kind: "horizontal", label: "Level", hint: "Click the chart at the price of the level." },
  { kind: "trend", label: "Trend line", hint: "Click the line's first point, then its second." },
  { kind: "fibonacci", label: "Fibonacci", hint: "Click the swing's start, then its end." },
];
const KEYS_HINT = "Or on the chart (Tab to it): arrows move the point (Shift: ten times as far), Enter places it, Delete takes it back.";
const KIND_WORDS: Record<DrawingKind, string> = { horizontal: "Level", trend: "Trend line", fibonacci: "Fibonacci retracement" };

/** Pixels kept free right of the last candle, and about how wide the price scale is. */
const RIGHT_ROOM_PX = 44;
const PRICE_SCALE_PX = 80;

export function Component() {
  const symbol = decodeURIComponent(useParams().symbol ?? "");
  const named = instrumentLabel(symbol);
  const [picked_, setPicked] = useState<{ name: string; place: "price" | "pane" }[]>(
    DEFAULT_INDICATORS.map((name) => ({ name, place: DEFAULT_PLACES[name] ?? "pane" })),
  );
  const names = picked_.map((p) => p.name);
  const [tool, setTool] = useState<DrawingKind | null>(null);
  const [pending, setPending] = useState<Anchor[]>([]);
  const queryClient = useQueryClient();
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
    queryKey: ["indicators", symbol, timeframe, names.join(","), range?.from, range?.to],
    enabled: names.length > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/market/indicators", {
        params: { query: { symbol, interval: timeframe, names: names.join(","), from: range?.from, to: range?.to } },
      })),
  });
  const forms = useQuery({
    queryKey: ["indicator-forms"],
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET("/api/market/indicator-forms")),
  });
  const drawings = useQuery({
    queryKey: ["drawings", symbol],
    queryFn: async () => unwrap(await api.GET("/api/market/drawings", { params: { query: { symbol } } })),
  });
  const saveDrawing = useMutation({
    mutationFn: async (body: { kind: DrawingKind; points: Anchor[] }) =>
      unwrap(await api.POST("/api/market/drawings", {
        body: { symbol, kind: body.kind, points: body.points.map((p) => ({ time: p.time, price: p.price.toFixed(2) })) },
      })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["drawings", symbol] }),
  });
  const deleteDrawing = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/market/drawings/{drawing_id}", { params: { path: { drawing_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["drawings", symbol] }),
  });
  const fills = useQuery({
    queryKey: ["fills", symbol],
    queryFn: async () => unwrap(await api.GET("/api/market/fills", { params: { query: { symbol } } })),
  });
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: Api; candles: Series; last: Bar | null; drawn: DrawingsPrimitive } | null>(null);
  // the click handler reads the tool and the points so far from here (the chart is made once)
  const clicking = useRef<{ tool: DrawingKind | null; pending: Anchor[] }>({ tool: null, pending: [] });
  clicking.current = { tool, pending };
  // the keyboard's point while a tool is active and the chart has keyboard focus, and what
  // a screen reader is told of each step
  const [cursor, setCursor] = useState<KeyCursor | null>(null);
  const [keyFocus, setKeyFocus] = useState(false);
  const [said, setSaid] = useState("");
  const placing = useRef<(point: Anchor) => void>(() => {});
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
      setLastBar(tail);
      made.subscribeCrosshairMove((param) => {
        const at = param.time === undefined ? undefined : bars.find((b) => b.time === param.time);
        setHover(at ?? null);
      });
      const ind = indicators.data;
      if (ind && names.length > 0) {
        const places = new Map(picked_.map((p) => [p.name, p.place]));
        const panes = panesFor(names, (n) => places.get(n) ?? "pane");
        const line = (name: string) =>
          ind.times.flatMap((t, i) => {
            const v = ind.series[name]?.[i];
            return v == null ? [] : [{ time: chartTime(t, timeframe) as Time, value: v }];
          });
        names.forEach((name, i) => {
          const pane = panes.get(name) ?? 0;
          const quiet = { lastValueVisible: false, priceLineVisible: false };
          if (name.endsWith("_hist")) {
            made!.addSeries(lib.HistogramSeries, { color: "#adb5bd", ...quiet }, pane).setData(line(name));
          } else {
            made!.addSeries(lib.LineSeries, {
              color: PALETTE[i % PALETTE.length], lineWidth: 1, ...quiet, ...(pane === 0 ? { priceFormat: money } : {}),
            }, pane).setData(line(name));
          }
        });
        made.panes().forEach((p, i) => p.setStretchFactor(i === 0 ? 3 : 1));
      }
      // the user's drawings, and a click that adds a point to the one being drawn
      const drawn = new DrawingsPrimitive((p) => inr(p));
      candles.attachPrimitive(drawn);
      chart.current = { api: made, candles, last: tail, drawn };
      made.subscribeClick((param) => {
        if (!clicking.current.tool || !param.point) return;
        const price = candles.coordinateToPrice(param.point.y);
        const at = param.time ?? bars[bars.length - 1]?.time;
        if (price === null || at === undefined) return;
        placing.current({ time: secondsOf(at as ChartTime), price: Math.round(price * 100) / 100 });
      });
      made.timeScale().fitContent();
    });
    return () => {
      disposed = true;
      chart.current = null;
      // the candle under the pointer was this chart's: a new interval's chart, made under a
      // still pointer, has none until the pointer moves, so the readout falls back to its last
      setHover(null);
      made?.remove();
    };
    // the picks are read with the indicators they fetched; the mutation is stable
  }, [history.data, bars, indicators.data, fills.data, timeframe, intraday, trade]);

  // A point of the drawing being made, by click or by Enter: the drawing is saved once it
  // has its points (the tool is put down), else the point waits for the next.
  const pointWords = (a: Anchor) => `${barWhen(a.time, timeframe)}, ${inr(a.price)}`;
  placing.current = (point: Anchor) => {
    if (!tool) return;
    const step = addPoint(pending, tool, point);
    if (step.done) {
      setPending([]);
      setTool(null);
      setCursor(null);
      saveDrawing.mutate({ kind: tool, points: step.points });
      setSaid(`${KIND_WORDS[tool]} drawn: ${step.points.map(pointWords).join(" to ")}.`);
    } else if (step.points.length > pending.length) {
      setPending(step.points);
      setSaid(`Point ${step.points.length} placed at ${pointWords(point)}. Move to the next point and press Enter.`);
    }
  };
  const cursorAnchor = (c: KeyCursor | null): Anchor | null => {
    const bar = c ? bars[c.index] : undefined;
    return c && bar ? { time: secondsOf(bar.time), price: c.price } : null;
  };
  const startCursor = (): KeyCursor | null => {
    const last = bars[bars.length - 1];
    return last ? { index: bars.length - 1, price: last.close } : null;
  };
  const chooseTool = (kind: DrawingKind | null) => {
    setPending([]);
    setTool(kind);
    setCursor(kind ? startCursor() : null);
    setSaid(kind ? `${KIND_WORDS[kind]}: ${TOOLS.find((t) => t.kind === kind)?.hint} ${KEYS_HINT}` : "Drawing stopped.");
  };
  const onChartKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (!tool) {
      const newest = drawings.data?.[drawings.data.length - 1];
      if ((e.key === "Delete" || e.key === "Backspace") && newest) {
        e.preventDefault();
        deleteDrawing.mutate(newest.id);
        setSaid(`Deleted ${drawingWords(newest)}.`);
      }
      return;
    }
    const here = cursor ?? startCursor();
    if (!here) return;
    setKeyFocus(true); // a key on the chart: its point shows, whatever focused it
    const act = keyAction(e.key, e.shiftKey, here, bars.length, priceStep(here.price));
    if (!act) return;
    e.preventDefault();
    if (act.kind === "move") {
      setCursor(act.cursor);
      const at = cursorAnchor(act.cursor);
      if (at) setSaid(pointWords(at));
    } else if (act.kind === "place") {
      const at = cursorAnchor(here);
      if (at) placing.current(at);
    } else if (act.kind === "remove") {
      if (pending.length) {
        setPending(pending.slice(0, -1));
        setSaid(`Point ${pending.length} taken back.`);
      }
    } else {
      chooseTool(null);
    }
  };

  // Drawings (and the one being drawn) onto the candles, on the chart's time axis.
  const chartSeconds = useMemo(() => bars.map((b) => secondsOf(b.time)), [bars]);
  const stored = drawings.data;
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const place = (a: { time: number; price: number | string }) => {
      const at = candleAt(chartSeconds, a.time);
      return { time: timeOf(at ?? a.time, timeframe) as Time, price: Number(a.price) };
    };
    const shapes: Shape[] = (stored ?? []).map((d) => ({ kind: d.kind, points: d.points.map(place) }));
    const keyed = keyFocus && tool ? cursorAnchor(cursor) : null; // the keyboard's point
    const drawing = keyed ? [...pending, keyed] : pending;
    if (tool && drawing.length) shapes.push({ kind: tool, points: drawing.map(place), pending: true });
    c.drawn.setShapes(shapes);
    // the cursor is read with the bars it indexes
  }, [stored, pending, tool, chartSeconds, timeframe, history.data, indicators.data, cursor, keyFocus]);

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
      </Group>
      <IndicatorPicker forms={forms.data?.forms ?? []} names={names}
        onAdd={(name, place) => setPicked((p) => (p.some((x) => x.name === name) ? p : [...p, { name, place }]))} />
      <Group gap={6} mb="xs" wrap="wrap" aria-label="Indicators shown" role="list">
        {picked_.map((p, i) => (
          <Badge key={p.name} role="listitem" variant="outline" color="gray" size="lg" tt="none" maw="100%"
            leftSection={<span aria-hidden style={{ display: "inline-block", width: 10, height: 3, background: p.name.endsWith("_hist") ? "#adb5bd" : PALETTE[i % PALETTE.length] }} />}
            rightSection={
              <ActionIcon size="xs" variant="subtle" color="gray" aria-label={`Remove ${indicatorName(p.name)}`}
                onClick={() => setPicked((all) => all.filter((x) => x.name !== p.name))}>×</ActionIcon>
            }>
            {indicatorName(p.name)}{p.place === "pane" ? " (below)" : ""}
          </Badge>
        ))}
      </Group>
      {!trade && (
        <Group gap="xs" mb="xs" wrap="wrap" role="toolbar" aria-label="Drawing tools">
          {TOOLS.map((t) => (
            <Button key={t.kind} size="compact-sm" variant={tool === t.kind ? "filled" : "default"} aria-pressed={tool === t.kind}
              onClick={() => chooseTool(tool === t.kind ? null : t.kind)}>{t.label}</Button>
          ))}
          {tool && <Text size="xs" c="dimmed">{TOOLS.find((t) => t.kind === tool)?.hint} {KEYS_HINT} Esc or the tool again to stop.</Text>}
          {saveDrawing.error && <Text size="xs" c="red" role="alert">{saveDrawing.error.message}</Text>}
        </Group>
      )}
      {indicators.error && <Alert color="red" mb="xs">{indicators.error.message}</Alert>}
      {intraday && history.data.candles.length === 0 && (
        <Alert color="gray" mb="xs" title="No minute candles yet">
          Minute candles come from imported data or, during the session, from the live prices.
        </Alert>
      )}
      <OhlcReadout bar={hover ?? lastBar} timeframe={timeframe} />
      <div ref={box} role="application" aria-roledescription="chart" tabIndex={0} className="chart-keys" onKeyDown={onChartKey}
        onFocus={(e) => setKeyFocus(e.currentTarget.matches(":focus-visible"))} onBlur={() => setKeyFocus(false)}
        aria-describedby="chart-keys-help"
        style={{ height: "min(70vh, 620px)", width: "100%", cursor: tool ? "crosshair" : undefined }} aria-label={`${candleWord} candles of ${named}${tradeMarks === 2 ? ", the trade's entry and exit marked" : ""}`} />
      <VisuallyHidden id="chart-keys-help">
        {trade ? "" : `Pick a drawing tool above, then on the chart: ${KEYS_HINT} Escape stops. With no tool, Delete removes your newest drawing.`}
      </VisuallyHidden>
      <VisuallyHidden aria-live="polite" data-testid="chart-said">{said}</VisuallyHidden>
      <DrawingList drawings={drawings.data ?? []} onDelete={(id) => deleteDrawing.mutate(id)} />
    </>
  );
}

type Drawing = { id: number; kind: DrawingKind; points: { time: number; price: number | string }[] };

/** A drawing in words: its kind and its points' prices ("Level ₹1,512.30"). */
function drawingWords(d: Drawing): string {
  return `${KIND_WORDS[d.kind]} ${d.points.map((p) => inr(Number(p.price))).join(" → ")}`;
}

/** When a chart point is, in words: a day's date, or a minute's IST date and time. */
function barWhen(seconds: number, timeframe: ChartInterval): string {
  const time = timeOf(seconds, timeframe);
  if (typeof time !== "number") return `${timeframe === "week" ? "Week of " : ""}${istDate(time)}`;
  // a minute's time is shifted to read IST on the axis (chartTime): undo it for the words
  const at = new Date((time - 19_800) * 1000);
  return `${istDate(at)}, ${istTime(at).slice(0, 5)} IST`;
}

/** The user's drawings on this chart in words, each deletable. */
function DrawingList({ drawings, onDelete }: { drawings: Drawing[]; onDelete: (id: number) => void }) {
  if (drawings.length === 0) return null;
  return (
    <Group gap="xs" mt="xs" wrap="wrap" role="list" aria-label="Your drawings">
      {drawings.map((d) => {
        const words = drawingWords(d);
        return (
          <Group key={d.id} gap={4} role="listitem" wrap="nowrap">
            <Text size="xs">{words}</Text>
            <ActionIcon size="sm" variant="subtle" color="red" aria-label={`Delete ${words}`} onClick={() => onDelete(d.id)}>×</ActionIcon>
          </Group>
        );
      })}
    </Group>
  );
}

/** Add any indicator the strategy DSL knows, with its parameters. */
function IndicatorPicker({ forms, names, onAdd }: {
  forms: IndicatorForm[]; names: string[]; onAdd: (name: string, place: "price" | "pane") => void;
}) {
  const [kind, setKind] = useState<string | null>(null);
  const [values, setValues] = useState<number[]>([]);
  const form = forms.find((f) => f.kind === kind);
  const name = form ? nameOf(form, values) : null;
  const full = names.length >= MAX_INDICATORS;
  const options = forms.map((f) => ({
    value: f.kind, label: indicatorName(nameOf(f, f.params.map((p) => p.default)) ?? f.pattern),
  }));
  return (
    <Group gap="xs" mb="xs" wrap="wrap" align="end">
      <Select size="xs" w={220} label="Add indicator" placeholder="SMA, RSI, MACD…" searchable value={kind} data={options}
        comboboxProps={{ withinPortal: true }}
        onChange={(v) => { setKind(v); setValues(forms.find((f) => f.kind === v)?.params.map((p) => p.default) ?? []); }} />
      {form?.params.map((p, i) => (
        <NumberInput key={`${form.kind}-${p.letter}`} size="xs" w={70} label={p.letter} min={p.low} max={p.high} allowDecimal={false}
          value={values[i]} onChange={(v) => setValues((all) => all.map((x, j) => (j === i ? Number(v) : x)))} />
      ))}
      <Button size="xs" disabled={!form || !name || full || (name !== null && names.includes(name))}
        onClick={() => { if (form && name) { onAdd(name, form.place); setKind(null); } }}>
        {full ? `At most ${MAX_INDICATORS}` : "Add"}
      </Button>
      {form && <Text size="xs" c="dimmed" maw={360}>{form.description}</Text>}
    </Group>
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
