// Research › Options backtest: build legs (or start from a preset), set entry and exit, pick
// the range and the chains, run; the results below. The API validates the document: its
// 422s show beside the field they name.
import { Alert, Button, Card, Chip, Group, Loader, NativeSelect, SegmentedControl, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "@/api/errors";
import { PageTitle } from "@/components/PageTitle";
import { istDate, qty } from "@/format";
import { LegBuilder } from "./LegBuilder";
import { type FoCoverage, useFoCoverage, useOptionRun, useRunOptionBacktest } from "./optionBacktestApi";
import { applyPreset, builderErrors, initialOptions, type OptionValues, PRESETS, toRequest, WEEKDAYS, type Weekday } from "./optionDoc";
import { OptionResults } from "./OptionResults";
import { OptionRunsHistory } from "./OptionRunsHistory";
import { OptionSweepPanel } from "./OptionSweepPanel";
import { OptionWalkForwardPanel } from "./OptionWalkForwardPanel";

const DAY_NAMES: Record<Weekday, string> = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri" };

function Coverage({ coverage, loading }: { coverage: FoCoverage | undefined; loading: boolean }) {
  if (loading) return <Text size="xs" c="dimmed">Reading the imported bhavcopies…</Text>;
  const held = coverage?.underlyings ?? [];
  return (
    <div aria-label="Imported F&O data" role="note">
      <Text size="xs" fw={600}>Imported NSE F&amp;O bhavcopies</Text>
      {held.length === 0 ? (
        <Text size="xs" c="dimmed">None yet: import them under Uploads (or `tradertape data import-fo-bhavcopy`).</Text>
      ) : (
        held.map((u) => (
          <Text size="xs" key={u.underlying}>
            {u.underlying}: {qty(u.days)} days, {istDate(u.first)} to {istDate(u.last)} · {qty(u.expiries.length)} expiries
          </Text>
        ))
      )}
    </div>
  );
}

export function Component() {
  const [values, setValues] = useState<OptionValues>(() => applyPreset(initialOptions, "short_straddle"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const run = useRunOptionBacktest();
  const coverage = useFoCoverage();
  const [opened, setOpened] = useState<number | null>(null); // the run shown: the last one run, or one opened
  const shown = useOptionRun(opened);
  const results = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown.data) results.current?.scrollIntoView({ block: "start" }); // its figures, not the form, in view
  }, [shown.data?.id]);
  const set = <K extends keyof OptionValues>(key: K, value: OptionValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    try {
      const kept = await run.mutateAsync(toRequest(values));
      setOpened(kept.id);
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors(builderErrors(err.fields));
        setError(`Not run: ${err.message}`);
      } else setError(String(err));
    }
  };

  const text = (key: keyof OptionValues, label: string, errorKey: string = key, description?: string) => (
    <TextInput size="xs" label={label} description={description} value={values[key] as string} inputMode="decimal"
      onChange={(e) => set(key, e.currentTarget.value as never)} error={errors[errorKey]} />
  );

  return (
    <Stack gap="md">
      <PageTitle>Options backtest</PageTitle>
      <form onSubmit={(e) => void submit(e)} aria-label="Options strategy">
        <Stack gap="sm">
          <Card withBorder component="section" aria-label="Legs">
            <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
              <Title order={2} size="h5">Legs</Title>
              <Group gap="xs" wrap="wrap" role="group" aria-label="Presets">
                <Text size="xs" c="dimmed">Presets:</Text>
                {PRESETS.map((p) => (
                  <Button key={p.name} size="xs" variant="default" onClick={() => { setValues((v) => applyPreset(v, p.name)); setErrors({}); }}>{p.label}</Button>
                ))}
              </Group>
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" mb="xs">
              <TextInput size="xs" label="Name" value={values.name} onChange={(e) => set("name", e.currentTarget.value)} error={errors.name} />
              <TextInput size="xs" label="Underlying" value={values.underlying} onChange={(e) => set("underlying", e.currentTarget.value)} error={errors.underlying} />
              <div>
                <Text size="xs" fw={500} id="hold-label">Hold</Text>
                <SegmentedControl size="xs" aria-labelledby="hold-label" value={values.hold} fullWidth
                  onChange={(v) => set("hold", v as OptionValues["hold"])}
                  data={[{ value: "intraday", label: "Intraday" }, { value: "expiry", label: "To expiry" }]} />
                {errors.hold && <Text role="alert" c="red.9" size="xs">{errors.hold}</Text>}
              </div>
            </SimpleGrid>
            <LegBuilder legs={values.legs} errors={errors} onChange={(legs) => set("legs", legs)} />
          </Card>

          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
            <Card withBorder component="section" aria-label="Entry">
              <Title order={2} size="h5" mb="xs">Entry</Title>
              <Text size="xs" fw={500} id="weekday-label">Weekdays</Text>
              <Chip.Group multiple value={values.entry_weekdays} onChange={(v) => set("entry_weekdays", WEEKDAYS.filter((d) => v.includes(d)))}>
                <Group gap={4} role="group" aria-labelledby="weekday-label">
                  {WEEKDAYS.map((d) => <Chip key={d} value={d} size="xs">{DAY_NAMES[d]}</Chip>)}
                </Group>
              </Chip.Group>
              {(errors["entry.weekdays"] ?? errors.entry) && <Text role="alert" c="red.9" size="xs">{errors["entry.weekdays"] ?? errors.entry}</Text>}
              <SimpleGrid cols={2} spacing="xs" mt="xs">
                {text("days_to_expiry", "Days to expiry", "entry.days_to_expiry", "e.g. 0, 1; empty: any")}
                <NativeSelect size="xs" label="Data resolution" value={values.resolution}
                  onChange={(e) => set("resolution", e.currentTarget.value as OptionValues["resolution"])}
                  data={[{ value: "daily", label: "Daily (bhavcopy: the day's open)" }, { value: "minute", label: "Minute candles" }]} error={errors.resolution} />
                {values.resolution === "minute" && (
                  <>
                    <TextInput size="xs" type="time" label="Entry at (IST)" value={values.entry_time} onChange={(e) => set("entry_time", e.currentTarget.value)} error={errors["entry.time"]} />
                    <TextInput size="xs" type="time" label="Exit at (IST)" value={values.exit_time} onChange={(e) => set("exit_time", e.currentTarget.value)} error={errors["exit.time"]} />
                    <NativeSelect size="xs" label="Enter when" value={values.entry_wait}
                      onChange={(e) => set("entry_wait", e.currentTarget.value as OptionValues["entry_wait"])}
                      data={[{ value: "none", label: "At the entry time" }, { value: "range_breakout", label: "The opening range breaks" }, { value: "momentum", label: "A momentum move" }]} />
                  </>
                )}
              </SimpleGrid>
              {values.resolution === "minute" && values.entry_wait === "range_breakout" && (
                <SimpleGrid cols={2} spacing="xs" mt="xs" role="group" aria-label="Range breakout">
                  {text("range_minutes", "Range of the first (minutes)", "entry.range_breakout", "from 09:15")}
                  <NativeSelect size="xs" label="Breaks its" value={values.range_breaks} onChange={(e) => set("range_breaks", e.currentTarget.value as OptionValues["range_breaks"])}
                    data={[{ value: "high", label: "High" }, { value: "low", label: "Low" }]} />
                </SimpleGrid>
              )}
              {values.resolution === "minute" && values.entry_wait === "momentum" && (
                <SimpleGrid cols={2} spacing="xs" mt="xs" role="group" aria-label="Momentum">
                  <NativeSelect size="xs" label="Move of" value={values.momentum_on} onChange={(e) => set("momentum_on", e.currentTarget.value as OptionValues["momentum_on"])}
                    data={[{ value: "underlying", label: "The underlying" }, { value: "premium", label: "Each leg's premium" }]} />
                  <NativeSelect size="xs" label="Direction" value={values.momentum_move} onChange={(e) => set("momentum_move", e.currentTarget.value as OptionValues["momentum_move"])}
                    data={[{ value: "up", label: "Up" }, { value: "down", label: "Down" }]} />
                  <NativeSelect size="xs" label="Move in" value={values.momentum_unit} onChange={(e) => set("momentum_unit", e.currentTarget.value as OptionValues["momentum_unit"])}
                    data={[{ value: "pct", label: "%" }, { value: "points", label: "Points" }]} />
                  {text("momentum_value", "Move by", "entry.momentum")}
                </SimpleGrid>
              )}
            </Card>
            <Card withBorder component="section" aria-label="Exit">
              <Title order={2} size="h5" mb="xs">Exit (whole strategy)</Title>
              <SimpleGrid cols={2} spacing="xs">
                <NativeSelect size="xs" label="Stop-loss in" value={values.exit_sl_unit} onChange={(e) => set("exit_sl_unit", e.currentTarget.value as OptionValues["exit_sl_unit"])}
                  data={[{ value: "", label: "None" }, { value: "rupees", label: "₹" }, { value: "pct", label: "% of premium" }]} />
                {text("exit_sl_value", "Strategy stop-loss", "exit.stop_loss")}
                <NativeSelect size="xs" label="Target in" value={values.exit_target_unit} onChange={(e) => set("exit_target_unit", e.currentTarget.value as OptionValues["exit_target_unit"])}
                  data={[{ value: "", label: "None" }, { value: "rupees", label: "₹" }, { value: "pct", label: "% of premium" }]} />
                {text("exit_target_value", "Strategy target", "exit.target")}
                {values.hold === "expiry" && text("days_before_expiry", "Exit days before expiry", "exit.days_before_expiry", "empty: hold to settlement")}
                {text("lock_reach", "Lock profit at (₹)", "exit.lock_profit", "once the P&L reaches it")}
                {text("lock_at", "Lock (₹)", "lock_at", "then exit if it falls to this")}
                {text("lock_every", "Trail every (₹)", "lock_every", "each further …")}
                {text("lock_by", "Raise lock by (₹)", "lock_by")}
                <Switch size="xs" mt="lg" label="Move stops to cost when a leg stops" checked={values.move_sl_to_cost}
                  onChange={(e) => set("move_sl_to_cost", e.currentTarget.checked)} />
              </SimpleGrid>
              {errors.exit && <Text role="alert" c="red.9" size="xs">{errors.exit}</Text>}
            </Card>
          </SimpleGrid>

          <Card withBorder component="section" aria-label="Range and data">
            <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="xs">
              <TextInput size="xs" type="date" label="From" value={values.start_date} onChange={(e) => set("start_date", e.currentTarget.value)} error={errors.start_date} />
              <TextInput size="xs" type="date" label="To" value={values.end_date} onChange={(e) => set("end_date", e.currentTarget.value)} error={errors.end_date} />
              {text("capital", "Capital (₹)")}
              <NativeSelect size="xs" label="Slippage in" value={values.slippage_unit} onChange={(e) => set("slippage_unit", e.currentTarget.value as OptionValues["slippage_unit"])}
                data={[{ value: "points", label: "Points" }, { value: "pct", label: "% of price" }]} />
              {text("slippage_value", "Slippage", "slippage.value")}
              <NativeSelect size="xs" label="Charges" value={values.charges} onChange={(e) => set("charges", e.currentTarget.value as OptionValues["charges"])}
                data={[{ value: "zerodha", label: "Zerodha (F&O)" }, { value: "none", label: "None" }]} />
            </SimpleGrid>
            <Group mt="xs" gap="lg" align="start" wrap="wrap">
              <NativeSelect size="xs" label="Data" w={240} value={values.data} onChange={(e) => set("data", e.currentTarget.value as OptionValues["data"])}
                data={[{ value: "synthetic", label: "Synthetic NIFTY chains" }, { value: "import", label: "Imported NSE bhavcopies" }]} error={errors.data} />
              {text("seed", "Seed", "seed")}
              <Coverage coverage={coverage.data} loading={coverage.isPending} />
            </Group>
          </Card>

          {error && <Alert color="red" role="alert">{error}</Alert>}
          <Group>
            <Button type="submit" loading={run.isPending} disabled={values.legs.length === 0}>Run backtest</Button>
            {run.isPending && <Group gap="xs" role="status"><Loader size="xs" /><Text size="sm">Running…</Text></Group>}
          </Group>
        </Stack>
      </form>
      <div ref={results} style={{ scrollMarginTop: 70 }}>{shown.data && !run.isPending && <OptionResults run={shown.data} />}</div>
      <OptionSweepPanel request={() => toRequest(values)} onOpenRun={setOpened} />
      <OptionWalkForwardPanel request={() => toRequest(values)} />
      <OptionRunsHistory opened={opened} onOpen={setOpened} />
    </Stack>
  );
}
