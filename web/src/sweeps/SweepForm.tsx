import { ActionIcon, Alert, Button, Group, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { CloseIcon } from "@/components/icons";
import { type FormEvent, useState } from "react";
import { ApiError, type FieldErrors } from "@/api/errors";
import { useUniverses } from "@/backtests/backtestApi";
import { CUSTOM, parseSymbols } from "@/backtests/runForm";
import { universeName } from "@/backtests/words";
import { useStrategies } from "@/strategies/strategyApi";
import { useStartSweep, useSweepChoices } from "./sweepApi";
import { axisSize, gridSize, initialSweep, type SweepValues, suggestValues, toSweepBody } from "./sweepForm";
import { FoldInputs } from "@/walkforward/FoldInputs";
import { type FoldValues, initialFolds, toWalkForwardBody } from "@/walkforward/walkForward";
import { useStartWalkForward } from "@/walkforward/walkForwardApi";

const MAX_AXES = 4;

/** A sweep: the strategy, the market (a universe or a custom symbol list) and range, the
 * split, and up to four parameters with their values (a list, or "5 to 50 step 5"); the
 * variant count shows as they are typed. As a walk-forward (``kind``), the split gives way
 * to the folds' window lengths, gaps and search. */
export function SweepForm({ onStarted, kind = "sweep" }: { onStarted: (id: number) => void; kind?: "sweep" | "walk-forward" }) {
  const walk = kind === "walk-forward";
  const [values, setValues] = useState<SweepValues>(initialSweep);
  const [folds, setFolds] = useState<FoldValues>(initialFolds);
  const startWalk = useStartWalkForward();
  const setFold = <K extends keyof FoldValues>(key: K, value: FoldValues[K]) => setFolds((f) => ({ ...f, [key]: value }));
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const strategies = useStrategies();
  const universes = useUniverses();
  const choices = useSweepChoices(Number(values.strategy_id) || 0);
  const start = useStartSweep();
  const set = <K extends keyof SweepValues>(key: K, value: SweepValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const variants = gridSize(values.axes);
  const symbols = parseSymbols(values.symbols);
  const limit = Number(values.max_variants) || 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFields({});
    setError(null);
    try {
      const started = walk
        ? await startWalk.mutateAsync(toWalkForwardBody(values, folds))
        : await start.mutateAsync(toSweepBody(values));
      onStarted(started.id);
    } catch (err) {
      if (err instanceof ApiError) {
        const byField: FieldErrors = {};
        for (const [key, msg] of Object.entries(err.fields)) {
          const axis = /^parameters\[(\d+)\]/.exec(key);
          byField[axis ? `axis${axis[1]}` : (key.split(/[.[]/)[0] ?? key)] = msg;
        }
        setFields(byField);
        if (Object.keys(byField).length === 0) setError(err.message);
      } else setError(String(err));
    }
  };

  const used = new Set(values.axes.map((a) => a.path));
  const choiceOptions = (choices.data ?? []).map((c) => ({ value: c.path, label: c.label }));
  const addAxis = () => {
    const next = (choices.data ?? []).find((c) => !used.has(c.path));
    if (!next) return;
    set("axes", [...values.axes, { path: next.path, label: next.label, values: suggestValues(next.value, next.whole) }]);
  };
  const setAxis = (i: number, path: string) => {
    const choice = (choices.data ?? []).find((c) => c.path === path);
    if (!choice) return;
    set("axes", values.axes.map((a, j) => (j === i ? { path, label: choice.label, values: suggestValues(choice.value, choice.whole) } : a)));
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={walk ? "Start a walk-forward" : "Start a sweep"}>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <Select label="Strategy" placeholder="Pick a strategy" searchable value={values.strategy_id || null}
            data={(strategies.data ?? []).map((s) => ({ value: String(s.id), label: `${s.name} (v${s.version})` }))}
            onChange={(v) => setValues((old) => ({ ...old, strategy_id: v ?? "", axes: [] }))} error={fields.strategy_id} />
          <Select label="Universe" allowDeselect={false} value={values.universe}
            data={[
              ...(universes.data ?? []).map((u) => ({ value: u.name, label: `${universeName(u.name)} (${u.size})` })),
              { value: CUSTOM, label: "Custom symbol list" },
            ]}
            onChange={(v) => set("universe", v ?? "nifty_50")} error={values.universe === CUSTOM ? undefined : fields.universe} />
          <TextInput label="Most variants" inputMode="numeric" value={values.max_variants}
            onChange={(e) => set("max_variants", e.currentTarget.value)} error={fields.max_variants} />
        </SimpleGrid>
        {values.universe === CUSTOM && (
          <Textarea label="Symbols" description={`NSE symbols, separated by commas, spaces or lines (${symbols.length} now)`}
            autosize minRows={2} value={values.symbols} onChange={(e) => set("symbols", e.currentTarget.value)}
            error={fields.universe} placeholder="RELIANCE, INFY, TCS" />
        )}
        <SimpleGrid cols={{ base: 1, sm: walk ? 2 : 3 }}>
          <TextInput type="date" label="From" value={values.start_date} onChange={(e) => set("start_date", e.currentTarget.value)} error={fields.start_date} />
          {!walk && (
            <TextInput type="date" label="Out-of-sample from" description="in-sample runs up to the day before"
              value={values.split_date} onChange={(e) => set("split_date", e.currentTarget.value)} error={fields.split_date} />
          )}
          <TextInput type="date" label="To" value={values.end_date} onChange={(e) => set("end_date", e.currentTarget.value)} error={fields.end_date} />
        </SimpleGrid>
        {walk && (
          <FoldInputs folds={folds} setFold={setFold} fields={fields}>
              <Select label="Search" allowDeselect={false} value={folds.search} w={220}
                data={[{ value: "grid", label: "Every variant" }, { value: "random", label: "A random sample" },
                  { value: "bayes", label: "Bayesian, per fold" }]}
                onChange={(v) => setFold("search", v === "random" || v === "bayes" ? v : "grid")} />
              {folds.search === "random" && (
                <TextInput label="Variants drawn" inputMode="numeric" w={140} value={folds.samples}
                  onChange={(e) => setFold("samples", e.currentTarget.value)} error={fields.samples} />
              )}
              {folds.search === "bayes" && (
                <TextInput label="Trials per fold" description="Optuna's TPE picks each next variant" inputMode="numeric" w={180}
                  value={folds.trials} onChange={(e) => setFold("trials", e.currentTarget.value)} error={fields.trials} />
              )}
              {folds.search !== "grid" && (
                <TextInput label="Seed" description="the same seed, the same variants" inputMode="numeric" w={140}
                  value={folds.seed} onChange={(e) => setFold("seed", e.currentTarget.value)} error={fields.seed} />
              )}
          </FoldInputs>
        )}
        <Text size="sm" fw={500}>Parameters</Text>
        {values.axes.length === 0 && <Text size="sm" c="dimmed">{values.strategy_id ? "Add the parameters to vary." : "Pick a strategy first."}</Text>}
        {values.axes.map((axis, i) => (
          <Group key={i} align="start" gap="xs" wrap="wrap">
            <Select aria-label={`Parameter ${i + 1}`} data={choiceOptions.filter((o) => o.value === axis.path || !used.has(o.value))}
              value={axis.path} onChange={(v) => v && setAxis(i, v)} allowDeselect={false} searchable style={{ flex: "2 1 260px" }} />
            <TextInput aria-label={`Values of parameter ${i + 1}`} value={axis.values} style={{ flex: "1 1 200px" }}
              description={`${axisSize(axis.values)} values: a list, or "5 to 50 step 5"`}
              onChange={(e) => set("axes", values.axes.map((a, j) => (j === i ? { ...a, values: e.currentTarget.value } : a)))}
              error={fields[`axis${i}`]} />
            <ActionIcon variant="subtle" color="gray" aria-label={`Remove parameter ${i + 1}`} mt={6}
              onClick={() => set("axes", values.axes.filter((_, j) => j !== i))}><CloseIcon /></ActionIcon>
          </Group>
        ))}
        {fields.parameters && <Text c="red.9" size="sm">{fields.parameters}</Text>}
        <Group gap="sm">
          <Button variant="default" size="xs" onClick={addAxis}
            disabled={!choices.data || values.axes.length >= MAX_AXES || used.size >= (choices.data?.length ?? 0)}>Add a parameter</Button>
          <Text size="sm" c={limit && variants > limit ? "red.9" : "dimmed"} aria-live="polite">
            {variants} variant{variants === 1 ? "" : "s"}{limit ? ` of at most ${limit}` : ""}, each run in-sample and out-of-sample{walk ? " in every fold" : ""}
          </Text>
        </Group>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Group>
          <Button type="submit" loading={start.isPending || startWalk.isPending} disabled={values.axes.length === 0}>
            {walk ? "Start the walk-forward" : "Start the sweep"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
