import { Alert, Button, Group, Loader, NativeSelect, NumberFormatter, Progress, SegmentedControl, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type FieldErrors } from "@/api/errors";
import { useStrategies } from "@/strategies/strategyApi";
import { useEventStream } from "@/api/eventStream";
import { type RunProgress, runEventsUrl, useRunFinished, useStartBacktest, useUniverses } from "./backtestApi";
import { CUSTOM, INTERVALS, parseSymbols, type RunValues, toRunBody } from "./runForm";
import { universeName } from "./words";

const STAGE_WORDS: Record<string, string> = {
  queued: "Waiting to start",
  indicators: "Computing indicators",
  simulation: "Simulating the portfolio",
  results: "Collecting the results",
  done: "Done",
};

/** Seconds since `running` turned true (with the stage: it has not hung). */
function useElapsed(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    setSeconds(0);
    const start = performance.now();
    const timer = window.setInterval(() => setSeconds(Math.floor((performance.now() - start) / 1000)), 500);
    return () => window.clearInterval(timer);
  }, [running]);
  return seconds;
}

/** Seed 001's backtest request as a form: strategy, universe or symbols, range, capital,
 * sizing and caps, slippage, fill timing and the charges model. */
export function RunForm({ initial, onDone }: { initial: RunValues; onDone: (runId: number) => void }) {
  const [values, setValues] = useState(initial);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const strategies = useStrategies();
  const universes = useUniverses();
  const start = useStartBacktest();
  const finished = useRunFinished();
  const [runId, setRunId] = useState<number | null>(null);
  const stream = useEventStream<RunProgress>(runId ? runEventsUrl(runId) : null, (end) => {
    void finished(end.id);
    if (end.status === "completed") onDone(end.id);
    else {
      setError(end.error ?? "The backtest failed.");
      setRunId(null);
    }
  });
  const running = start.isPending || (runId !== null && !stream.end);
  const elapsed = useElapsed(running);
  const progress = stream.latest;
  useEffect(() => setValues(initial), [initial]);
  const set = <K extends keyof RunValues>(key: K, value: RunValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFields({});
    setError(null);
    if (!values.strategy_id) {
      setFields({ strategy_id: "Pick a strategy" }); // said here: the API would refuse it as a number
      return;
    }
    try {
      setRunId((await start.mutateAsync(toRunBody(values))).id);
    } catch (err) {
      if (err instanceof ApiError) {
        const byField: FieldErrors = {};
        for (const [key, msg] of Object.entries(err.fields)) byField[key.startsWith("universe") ? "universe" : key] = msg;
        setFields(byField);
        if (Object.keys(byField).length === 0) setError(err.message);
      } else setError(String(err));
    }
  };

  const strategyOptions = (strategies.data ?? []).map((s) => ({
    value: String(s.id),
    label: `${s.name} (v${s.version})${s.is_owner ? "" : s.is_template ? " · template" : " · shared"}`,
  }));
  const universeOptions = [
    ...(universes.data ?? []).map((u) => ({ value: u.name, label: `${universeName(u.name)} (${u.size})` })),
    { value: CUSTOM, label: "Custom symbol list" },
  ];
  const text = (key: keyof RunValues, label: string, description?: string) => (
    <TextInput label={label} description={description} value={values[key]} inputMode="decimal"
      onChange={(e) => set(key, e.currentTarget.value as never)} error={fields[key]} />
  );
  const symbols = parseSymbols(values.symbols);

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Run a backtest">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <Select label="Strategy" data={strategyOptions} value={values.strategy_id || null} searchable
            onChange={(v) => set("strategy_id", v ?? "")} error={fields.strategy_id} placeholder="Pick a strategy"
            nothingFoundMessage="No such strategy" />
          <Select label="Universe" data={universeOptions} value={values.universe} allowDeselect={false}
            onChange={(v) => set("universe", v ?? "nifty_100")} error={values.universe === CUSTOM ? undefined : fields.universe} />
          <Group grow gap="xs" align="start">
            <TextInput type="date" label="From" value={values.start_date} onChange={(e) => set("start_date", e.currentTarget.value)} error={fields.start_date} />
            <TextInput type="date" label="To" value={values.end_date} onChange={(e) => set("end_date", e.currentTarget.value)} error={fields.end_date} />
          </Group>
        </SimpleGrid>
        {values.universe === CUSTOM && (
          <Textarea label="Symbols" description={`NSE symbols, separated by commas, spaces or lines (${symbols.length} now)`}
            autosize minRows={2} value={values.symbols} onChange={(e) => set("symbols", e.currentTarget.value)}
            error={fields.universe} placeholder="RELIANCE, INFY, TCS" />
        )}
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
          <div>
            {text("starting_capital", "Starting capital (₹)")}
            <Text size="xs" c="dimmed" mt={2} aria-live="polite">
              {Number.isFinite(Number(values.starting_capital.replace(/,/g, ""))) && values.starting_capital.trim() !== "" && (
                <NumberFormatter prefix="₹" value={values.starting_capital.replace(/,/g, "")} thousandSeparator="," thousandsGroupStyle="lakh" />
              )}
            </Text>
          </div>
          {text("position_size_pct", "Position size (% of capital)")}
          {text("max_positions", "Max positions")}
          {text("max_per_sector", "Max per sector", "empty: no cap")}
          {text("slippage_bps", "Slippage (bps)")}
        </SimpleGrid>
        <Group gap="lg" align="end" wrap="wrap">
          <NativeSelect label="Bars" w={140} value={values.interval} data={INTERVALS}
            onChange={(e) => set("interval", e.currentTarget.value as RunValues["interval"])} error={fields.interval} />
          <div>
            <Text size="sm" fw={500} id="product-label">Product</Text>
            <SegmentedControl aria-labelledby="product-label" value={values.product} onChange={(v) => set("product", v as RunValues["product"])}
              data={[{ value: "", label: "Auto" }, { value: "CNC", label: "CNC (delivery)" }, { value: "MIS", label: "MIS (intraday)" }]} />
            {fields.product && <Text c="red.9" size="xs" role="alert">{fields.product}</Text>}
          </div>
          <div>
            <Text size="sm" fw={500} id="fill-label">Fills at</Text>
            <SegmentedControl aria-labelledby="fill-label" value={values.fill_at} onChange={(v) => set("fill_at", v as RunValues["fill_at"])}
              data={[{ value: "next_open", label: "Next open" }, { value: "close", label: "Signal day's close" }]} />
          </div>
          <div>
            <Text size="sm" fw={500} id="charges-label">Charges</Text>
            <SegmentedControl aria-labelledby="charges-label" value={values.charges} onChange={(v) => set("charges", v as RunValues["charges"])}
              data={[{ value: "zerodha", label: values.product === "MIS" || (values.product === "" && values.interval !== "day") ? "Zerodha (intraday)" : "Zerodha (delivery)" }, { value: "flat", label: "Flat %" }, { value: "none", label: "None" }]} />
          </div>
          {values.charges === "flat" && (
            <TextInput label="Flat charge (% of each fill)" w={200} value={values.flat_pct} inputMode="decimal"
              onChange={(e) => set("flat_pct", e.currentTarget.value)} error={fields.charges ?? fields["charges.flat_pct"]} />
          )}
        </Group>
        {values.charges !== "flat" && fields.charges && <Text c="red.9" size="sm">{fields.charges}</Text>}
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Group>
          <Button type="submit" loading={running}>Run backtest</Button>
          {running && (
            <Group gap="xs" role="status" aria-live="polite" style={{ flex: 1, minWidth: 220 }}>
              <Loader size="xs" />
              <Text size="sm">{STAGE_WORDS[progress?.stage ?? "queued"] ?? "Running"}… {elapsed} s</Text>
              <Progress value={Math.round((progress?.fraction ?? 0) * 100)} aria-label="Backtest progress"
                style={{ flex: 1, minWidth: 120 }} animated />
            </Group>
          )}
        </Group>
      </Stack>
    </form>
  );
}
