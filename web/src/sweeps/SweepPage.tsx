import { Alert, Badge, Button, Card, Group, Loader, Progress, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { useEventStream } from "@/api/eventStream";
import { universeName } from "@/backtests/words";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { istDate } from "@/format";
import { Heatmap } from "./Heatmap";
import { type Sweep, type SweepProgress, type SweepVariant, sweepEventsUrl, sweepKeys, useCancelSweep, useSweep } from "./sweepApi";
import { heatGrid, type MetricKey, paramLabels, type Part } from "./sweepForm";
import { VariantRunNotice, useVariantRun } from "./VariantRun";
import { METRICS, type MetricInfo, metricFigure, statusColor, statusWords } from "./words";

const RUNNING = ["queued", "running"];
const DEFAULT_METRIC: MetricInfo = METRICS[0] as MetricInfo;

const labelsOf = (sweep: Sweep): Record<string, string> => paramLabels(sweep.config);

/** Follows the sweep's stream while it runs; refreshes the sweep as variants land. */
function useLiveSweep(id: number) {
  const sweep = useSweep(id);
  const client = useQueryClient();
  const running = sweep.data ? RUNNING.includes(sweep.data.status) : false;
  const stream = useEventStream<SweepProgress>(running ? sweepEventsUrl(id) : null, () =>
    void client.invalidateQueries({ queryKey: sweepKeys.all }),
  );
  const done = stream.latest?.done;
  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: sweepKeys.one(id) });
  }, [done, id, client]);
  return { sweep, live: stream.latest };
}

function ProgressCard({ sweep, live }: { sweep: Sweep; live: SweepProgress | null }) {
  const cancel = useCancelSweep();
  const status = live?.status ?? sweep.status;
  const done = live?.done ?? sweep.done;
  const total = live?.total ?? sweep.total;
  const speed = live?.variants_per_s ?? sweep.variants_per_s;
  const running = RUNNING.includes(status);
  return (
    <Card withBorder component="section" aria-label="Progress">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Badge color={statusColor(status)} variant="outline">{statusWords(status)}</Badge>
          <Text size="sm" role="status" aria-live="polite">
            {done} of {total} variants{speed ? ` · ${speed.toFixed(1)} variants/s` : ""}
            {` · ${sweep.executor === "ray" ? "Ray cluster" : sweep.executor === "pool" ? `${sweep.workers} processes` : "1 process"}`}
          </Text>
        </Group>
        {running && (
          <Button size="xs" variant="default" color="red" loading={cancel.isPending} onClick={() => cancel.mutate(sweep.id)}>
            Cancel the sweep
          </Button>
        )}
      </Group>
      <Progress mt="xs" value={total ? (100 * done) / total : 0} animated={running} aria-label="Sweep progress" />
      {(live?.error ?? sweep.error) && <Alert mt="xs" color={status === "failed" ? "red" : "gray"}>{live?.error ?? sweep.error}</Alert>}
    </Card>
  );
}

/** The metrics a narrow table drops first: total return (CAGR says it over the years), then Sharpe. */
const LESSER: Partial<Record<string, number>> = { total_return: 1, sharpe: 2 };

export function Component() {
  const id = Number(useParams().id);
  const { sweep, live } = useLiveSweep(id);
  const [metric, setMetric] = useState<MetricKey>("cagr");
  const paths = useMemo(() => Object.keys(sweep.data?.results[0]?.params ?? labelsOf(sweep.data ?? ({ config: {} } as Sweep))), [sweep.data]);
  const [xPath, setX] = useState<string | null>(null);
  const [yPath, setY] = useState<string | null>(null);
  const x = xPath ?? paths[0] ?? "";
  const y = yPath ?? paths[1] ?? paths[0] ?? "";
  const variantRun = useVariantRun(id);

  if (sweep.isPending) return <Loader aria-label="Loading the sweep" />;
  if (sweep.isError) return <Alert color="red" role="alert">{sweep.error.message}</Alert>;
  const data = sweep.data;
  const labels = labelsOf(data);
  const info = METRICS.find((m) => m.key === metric) ?? DEFAULT_METRIC;
  const rows = data.results.filter((r) => r.error === null);
  const grids = [heatGrid(rows, x, y, "in_sample", metric), heatGrid(rows, x, y, "out_of_sample", metric)] as const;
  const scale = Math.max(0, ...grids.flatMap((g) => g.cells.flat().map((v) => Math.abs(v ?? 0))));
  const format = (v: number | null) => metricFigure(v, info);
  const choices = paths.map((p) => ({ value: p, label: labels[p] ?? p }));
  const byIndex = new Map(data.results.map((r) => [r.index, r]));
  const describe = (index: number) => {
    const params = byIndex.get(index)?.params ?? {};
    return paths.map((p) => `${labels[p] ?? p} ${params[p] ?? "—"}`).join(", ");
  };

  const columns: Column<SweepVariant>[] = [
    ...paths.map((p) => ({ key: p, header: labels[p] ?? p, numeric: true, value: (r: SweepVariant) => r.params[p], render: (r: SweepVariant) => r.params[p] })),
    ...(["in_sample", "out_of_sample"] as Part[]).flatMap((part) =>
      METRICS.slice(0, 4).map((m) => ({
        key: `${part}.${m.key}`,
        header: `${m.label} (${part === "in_sample" ? "in" : "out"})`,
        numeric: true,
        drop: LESSER[m.key], // CAGR and drawdown stay when the table is too wide
        value: (r: SweepVariant) => r[part]?.[m.key] ?? null,
        render: (r: SweepVariant) => metricFigure(r[part]?.[m.key], m),
      })),
    ),
  ];
  const config = data.config as { universe?: unknown; start_date?: string; end_date?: string };

  return (
    <>
      <PageTitle actions={<Button component={Link} to="/backtests/sweeps" variant="default">All sweeps</Button>}>
        {`Sweep #${data.id}: ${data.strategy_name}`}
      </PageTitle>
      <Stack gap="lg">
        <Text size="sm" c="dimmed">
          {universeName(config.universe)} · in-sample {istDate(config.start_date)} to the day before {istDate(data.split_date)},
          out-of-sample {istDate(data.split_date)} to {istDate(config.end_date)}
        </Text>
        <ProgressCard sweep={data} live={live} />
        <VariantRunNotice state={variantRun} describe={describe} />
        <Card withBorder component="section" aria-label="Heatmaps">
          <Group justify="space-between" wrap="wrap" mb="sm" gap="xs">
            <Title order={2} size="h5">{info.label} over two parameters</Title>
            <Group gap="xs" wrap="wrap">
              <Select size="xs" label="Metric" allowDeselect={false} value={metric} w={150}
                data={METRICS.map((m) => ({ value: m.key, label: m.label }))} onChange={(v) => v && setMetric(v as MetricKey)} />
              <Select size="xs" label="Across" allowDeselect={false} value={x} data={choices} w={220} onChange={(v) => setX(v)} />
              <Select size="xs" label="Down" allowDeselect={false} value={y} data={choices} w={220} onChange={(v) => setY(v)} />
            </Group>
          </Group>
          {rows.length === 0 ? (
            <Text size="sm" c="dimmed">The first variants are on their way.</Text>
          ) : (
            <>
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
                <Heatmap title={`In-sample ${info.label}`} grid={grids[0]} xLabel={labels[x] ?? x} yLabel={labels[y] ?? y}
                  format={format} scale={scale} higherIsBetter={info.higherIsBetter} onOpen={variantRun.open} describe={describe} />
                <Heatmap title={`Out-of-sample ${info.label}`} grid={grids[1]} xLabel={labels[x] ?? x} yLabel={labels[y] ?? y}
                  format={format} scale={scale} higherIsBetter={info.higherIsBetter} onOpen={variantRun.open} describe={describe} />
              </SimpleGrid>
              <Text size="xs" c="dimmed" mt="xs">
                One colour scale for both maps: a region bright in-sample and pale out-of-sample is a fit to the past.
                {" "}A cell opens its variant's run, over the whole range, with its trades.
                {grids[0].averaged ? " Each cell averages the variants of the other parameters." : ""}
              </Text>
            </>
          )}
        </Card>
        <Card withBorder component="section" aria-label="Variants">
          <Title order={2} size="h5" mb="xs">Variants</Title>
          <DataTable caption="Sweep variants" columns={columns} rows={data.results} rowKey={(r) => r.index}
            csvName={`sweep-${data.id}`} initialSort={{ key: "in_sample.cagr", desc: true }} empty="No variant has finished yet."
            rowActions={(r) => r.error === null ? (
              <Button size="compact-xs" variant="default" aria-label={`Open run of ${describe(r.index)}`}
                loading={variantRun.opening === r.index} disabled={variantRun.opening !== null}
                onClick={() => variantRun.open(r.index)}>Open run</Button>
            ) : null} />
        </Card>
      </Stack>
    </>
  );
}
