import { Alert, Badge, Button, Card, Group, Loader, Progress, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { useEventStream } from "@/api/eventStream";
import { Stat } from "@/backtests/RunResults";
import { universeName } from "@/backtests/words";
import { type Column, DataTable } from "@/components/DataTable";
import { LineChart, RUN_COLOURS } from "@/components/LineChart";
import { PageTitle } from "@/components/PageTitle";
import { istDate, lakhCrore, moneyTicks, pct, plain } from "@/format";
import { Heatmap } from "@/sweeps/Heatmap";
import { heatGrid, paramLabels } from "@/sweeps/sweepForm";
import type { SweepVariant } from "@/sweeps/sweepApi";
import { statusColor, statusWords } from "@/sweeps/words";
import { degradationWords, verdictLines } from "./walkForward";
import {
  type Fold,
  type WalkForward,
  type WalkForwardKind,
  type WalkForwardProgress,
  useCancelWalkForward,
  useResumeWalkForward,
  useWalkForward,
  walkForwardEventsUrl,
  walkForwardKeys,
} from "./walkForwardApi";

const RUNNING = ["queued", "running"];
const RESUMABLE = ["interrupted", "failed", "cancelled"];

/** Follows the run's stream while it runs; refreshes the run as folds land. */
function useLiveRun(id: number, kind: WalkForwardKind) {
  const run = useWalkForward(id, kind);
  const client = useQueryClient();
  const running = run.data ? RUNNING.includes(run.data.status) : false;
  const stream = useEventStream<WalkForwardProgress>(running ? walkForwardEventsUrl(id, kind) : null, () =>
    void client.invalidateQueries({ queryKey: walkForwardKeys.all }),
  );
  const folds = stream.latest?.folds_done;
  useEffect(() => {
    if (folds) void client.invalidateQueries({ queryKey: walkForwardKeys.one(id, kind) });
  }, [folds, id, kind, client]);
  return { run, live: stream.latest };
}

function ProgressCard({ run, live, kind }: { run: WalkForward; live: WalkForwardProgress | null; kind: WalkForwardKind }) {
  const cancel = useCancelWalkForward(kind);
  const resume = useResumeWalkForward(kind);
  const status = live?.status ?? run.status;
  const done = live?.done ?? run.done;
  const total = live?.total ?? run.total;
  const running = RUNNING.includes(status);
  const where = run.executor === "ray" ? "Ray cluster" : run.executor === "pool" ? `${run.workers} processes` : "1 process";
  return (
    <Card withBorder component="section" aria-label="Progress">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Badge color={statusColor(status)} variant="outline">{statusWords(status)}</Badge>
          <Text size="sm" role="status" aria-live="polite">
            {live?.folds_done ?? run.folds.length} of {run.fold_count} folds · {done} of {total} fold-variants · {where}
          </Text>
        </Group>
        {running && (
          <Button size="xs" variant="default" color="red" loading={cancel.isPending} onClick={() => cancel.mutate(run.id)}>
            Cancel
          </Button>
        )}
        {!running && RESUMABLE.includes(status) && (
          <Button size="xs" variant="default" loading={resume.isPending} onClick={() => resume.mutate(run.id)}>
            Resume from fold {run.folds.length + 1}
          </Button>
        )}
      </Group>
      <Progress mt="xs" value={total ? (100 * done) / total : 0} animated={running} aria-label="Walk-forward progress" />
      {(live?.error ?? run.error) && <Alert mt="xs" color={status === "failed" ? "red" : "gray"}>{live?.error ?? run.error}</Alert>}
      {resume.isError && <Alert mt="xs" color="red" role="alert">{resume.error.message}</Alert>}
    </Card>
  );
}

function Verdict({ run }: { run: WalkForward }) {
  const summary = run.summary;
  if (!summary) return null;
  const { stitched } = summary;
  const dsr = summary.deflated_sharpe;
  const pbo = summary.pbo;
  const partial = summary.folds < run.fold_count;
  return (
    <Card withBorder component="section" aria-label="Verdict">
      <Title order={2} size="h5" mb="xs">Out of sample, stitched{partial ? ` (${summary.folds} of ${run.fold_count} folds)` : ""}</Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }} mb="sm">
        <Stat label="Return">{pct(stitched.total_return, { signed: true })}</Stat>
        <Stat label="Sharpe">{plain(stitched.sharpe)}</Stat>
        <Stat label="Max drawdown">{pct(stitched.max_drawdown)}</Stat>
        <Stat label="Days scored">{stitched.days.length}</Stat>
      </SimpleGrid>
      {stitched.days.length > 1 && (
        <LineChart
          series={[{ name: "Stitched out-of-sample equity", color: RUN_COLOURS[0] ?? "#1c7ed6",
            points: stitched.days.map((d, i) => ({ time: d, value: stitched.equity[i] ?? 0 })) }]}
          format={lakhCrore} ticks={moneyTicks} label={`Stitched out-of-sample equity over ${stitched.days.length} days`} />
      )}
      <Stack gap={6} mt="sm">
        {verdictLines(summary).map((line) => (
          <Text size="sm" key={line.label}><b>{line.label} {line.figure}</b>: {line.words}.</Text>
        ))}
        {dsr && (
          <Text size="xs" c="dimmed">
            Inputs: daily Sharpe {dsr.sharpe.toFixed(4)} against SR₀ {dsr.benchmark.toFixed(4)} ({dsr.trials} variants, their Sharpe
            variance {dsr.sharpe_variance.toExponential(2)}), {dsr.observations} days, skew {dsr.skew.toFixed(2)}, kurtosis {dsr.kurtosis.toFixed(2)}.
          </Text>
        )}
        {pbo && (
          <Text size="xs" c="dimmed">
            Inputs: the {pbo.trials} variants' out-of-sample days ({pbo.observations}) cut into {pbo.blocks} blocks, every half of them in-sample once ({pbo.splits} splits).
          </Text>
        )}
        {!dsr && !pbo && <Text size="sm" c="dimmed">Too few days or variants for the overfitting statistics.</Text>}
      </Stack>
    </Card>
  );
}

function Stability({ run, labels }: { run: WalkForward; labels: Record<string, string> }) {
  const rows = run.summary?.stability ?? [];
  if (rows.length === 0) return null;
  return (
    <Card withBorder component="section" aria-label="Parameter stability">
      <Title order={2} size="h5" mb="xs">Parameter stability</Title>
      <Stack gap={4}>
        {rows.map((r) => (
          <Text size="sm" key={r.path}>
            <b>{labels[r.path] ?? r.path}</b>: chosen {r.chosen.join(" → ")}; spread ±{plain(r.std)}; {r.mode} in {Math.round(r.mode_share * 100)}% of folds
          </Text>
        ))}
      </Stack>
      <Text size="xs" c="dimmed" mt="xs">A value chosen in most folds is a property of the market; one that jumps each fold is a fit to noise.</Text>
    </Card>
  );
}

function FoldHeatmaps({ run, labels }: { run: WalkForward; labels: Record<string, string> }) {
  const [picked, setPicked] = useState<string | null>(null);
  const fold = run.folds.find((f) => String(f.index) === picked) ?? run.folds[run.folds.length - 1];
  if (!fold) return null;
  const paths = Object.keys(fold.grid[0]?.params ?? {});
  const x = paths[0] ?? "";
  const y = paths[1] ?? x;
  const rows = fold.grid.map((c) => ({
    index: c.variant, params: c.params, error: null,
    in_sample: { sharpe: c.in_sample }, out_of_sample: { sharpe: c.out_of_sample },
  })) as unknown as SweepVariant[];
  const grids = [heatGrid(rows, x, y, "in_sample", "sharpe"), heatGrid(rows, x, y, "out_of_sample", "sharpe")] as const;
  const scale = Math.max(0, ...grids.flatMap((g) => g.cells.flat().map((v) => Math.abs(v ?? 0))));
  const objective = String(run.config.objective ?? "sharpe").replace("_", " ");
  return (
    <Card withBorder component="section" aria-label="Fold heatmaps">
      <Group justify="space-between" wrap="wrap" mb="sm" gap="xs">
        <Title order={2} size="h5">Fold {fold.index + 1}: {objective} over the grid</Title>
        <Select size="xs" label="Fold" allowDeselect={false} value={String(fold.index)} w={120}
          data={run.folds.map((f) => ({ value: String(f.index), label: `Fold ${f.index + 1}` }))} onChange={setPicked} />
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Heatmap title="In sample" grid={grids[0]} xLabel={labels[x] ?? x} yLabel={labels[y] ?? y}
          format={(v) => plain(v)} scale={scale} higherIsBetter />
        <Heatmap title="Out of sample" grid={grids[1]} xLabel={labels[x] ?? x} yLabel={labels[y] ?? y}
          format={(v) => plain(v)} scale={scale} higherIsBetter />
      </SimpleGrid>
    </Card>
  );
}

/** What the run ran over: an equity run's universe, an options run's underlying. */
function marketOf(run: WalkForward, kind: WalkForwardKind): string {
  if (kind === "options") return `${String(run.strategy.underlying ?? "")} options`;
  return universeName(run.config.universe);
}

export function Component() {
  const id = Number(useParams().id);
  const kind: WalkForwardKind = useLocation().pathname.startsWith("/backtests/options/") ? "options" : "equity";
  const { run, live } = useLiveRun(id, kind);
  if (run.isPending) return <Loader aria-label="Loading the walk-forward" />;
  if (run.isError) return <Alert color="red" role="alert">{run.error.message}</Alert>;
  const data = run.data;
  const labels = paramLabels(data.config);
  const params = (f: Fold) => Object.entries(f.params ?? {}).map(([p, v]) => `${labels[p] ?? p} ${v}`).join(", ") || "—";
  const columns: Column<Fold>[] = [
    { key: "fold", header: "Fold", numeric: true, value: (f) => f.index, render: (f) => f.index + 1 },
    { key: "in", header: "In sample", drop: 2, value: (f) => f.in_start, render: (f) => `${istDate(f.in_start)} – ${istDate(f.in_end)}` },
    { key: "out", header: "Out of sample", value: (f) => f.out_start, render: (f) => `${istDate(f.out_start)} – ${istDate(f.out_end)}` },
    { key: "chosen", header: "Chosen", value: (f) => params(f), render: (f) => params(f) },
    { key: "is", header: "Sharpe (in)", numeric: true, value: (f) => f.in_sample?.sharpe ?? null, render: (f) => plain(f.in_sample?.sharpe) },
    { key: "oos", header: "Sharpe (out)", numeric: true, value: (f) => f.out_of_sample?.sharpe ?? null, render: (f) => plain(f.out_of_sample?.sharpe) },
    { key: "drop", header: "Degradation", numeric: true, value: (f) => f.degradation?.sharpe_drop ?? null, render: (f) => degradationWords(f) },
    { key: "rank", header: "Rank out", numeric: true, drop: 1, value: (f) => f.oos_rank, render: (f) => (f.oos_rank ? `${f.oos_rank} of ${f.variants - f.failed}` : "—") },
  ];
  const config = data.config as { start_date?: string; end_date?: string; anchored?: boolean; in_sample_days?: number; out_of_sample_days?: number };
  return (
    <>
      <PageTitle actions={kind === "options"
        ? <Button component={Link} to="/backtests/options" variant="default">Options backtest</Button>
        : <Button component={Link} to="/backtests/walk-forwards" variant="default">All walk-forwards</Button>}>
        {`Walk-forward #${data.id}: ${data.strategy_name}`}
      </PageTitle>
      <Stack gap="lg">
        <Text size="sm" c="dimmed">
          {marketOf(data, kind)} · {istDate(config.start_date)} to {istDate(config.end_date)} ·{" "}
          {config.anchored ? "anchored" : "rolling"} folds of {config.in_sample_days} days in sample, {config.out_of_sample_days} out ·{" "}
          {data.variant_count} variants a fold
        </Text>
        <ProgressCard run={data} live={live} kind={kind} />
        <Verdict run={data} />
        <Card withBorder component="section" aria-label="Folds">
          <Title order={2} size="h5" mb="xs">Folds</Title>
          <DataTable caption="Walk-forward folds" columns={columns} rows={data.folds} rowKey={(f) => f.index}
            csvName={`walk-forward-${data.id}`} empty="No fold has finished yet." />
          <Text size="xs" c="dimmed" mt="xs">
            Degradation: the in-sample Sharpe minus the out-of-sample one; rank out: where the chosen variant ranked among all the variants on the days it never saw.
          </Text>
        </Card>
        <Stability run={data} labels={labels} />
        <FoldHeatmaps run={data} labels={labels} />
      </Stack>
    </>
  );
}
