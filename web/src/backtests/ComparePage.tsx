import { Alert, Anchor, Card, Loader, Stack, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { PageTitle } from "@/components/PageTitle";
import { inr, pct, plainTicks } from "@/format";
import { compareMetrics, type Metric } from "./analysis";
import { type Run, useRunsById } from "./backtestApi";
import { LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import { equitySeries } from "./RunResults";
import { MetricsCompared } from "./MetricsCompared";
import { settingsLine } from "./words";

function show(metric: Metric, value: number | null): string {
  if (value === null) return "—";
  switch (metric.unit) {
    case "pct": return pct(value, { signed: metric.key !== "max_drawdown" && metric.key !== "win_rate" && metric.key !== "exposure_pct" });
    case "inr": return inr(value, 0);
    case "ratio": return value.toFixed(2);
    case "days": return `${value.toFixed(1)} days`;
    default: return String(value);
  }
}

const runName = (r: Run) => `#${r.id} ${r.strategy_name}${r.strategy_version ? ` v${r.strategy_version}` : ""}`;

/** 2–4 runs side by side: equity overlaid (each rebased to 100 so different capitals compare),
 * and every summary metric with the differences marked and the best named. */
export function Component() {
  const [params] = useSearchParams();
  const ids = (params.get("runs") ?? "").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0).slice(0, 4);
  const queries = useRunsById(ids);
  const runs = queries.map((q) => q.data).filter((r): r is Run => r !== undefined);
  const failed = queries.find((q) => q.isError)?.error;
  const ready = runs.length === ids.length;

  const series = useMemo<Series[]>(() => runs.map((r, i) => {
    const s = equitySeries(r, runName(r), RUN_COLOURS[i] as string);
    const first = s.points[0]?.value ?? 1;
    return { ...s, points: s.points.map((p) => ({ time: p.time, value: (p.value / first) * 100 })) };
  }), [ready, ids.join(",")]);
  const rows = useMemo(() => (ready ? compareMetrics(runs.map((r) => r.summary)) : []), [ready, ids.join(",")]);

  return (
    <>
      <PageTitle>Compare backtests</PageTitle>
      {ids.length < 2 && <Alert color="gray">Pick 2 to 4 runs in the <Anchor component={Link} to="/backtests">history</Anchor>.</Alert>}
      {failed && <Alert color="red" role="alert">{failed.message}</Alert>}
      {!ready && !failed && ids.length >= 2 && <Loader aria-label="Loading the runs" />}
      {ready && ids.length >= 2 && (
        <Stack gap="md">
          <Card withBorder component="section" aria-label="Equity compared">
            <Title order={2} size="h6" mb="xs">Equity, each run rebased to 100</Title>
            <LineChart series={series} format={(v) => v.toFixed(1)} ticks={plainTicks} label={`Equity of ${runs.map(runName).join(", ")}, rebased to 100`} />
          </Card>
          <Card withBorder component="section" aria-label="Metrics compared">
            <Title order={2} size="h6" mb="xs">Metrics</Title>
            <MetricsCompared rows={rows} show={show}
              runs={runs.map((r) => ({ key: r.id, short: `#${r.id}`, label: <Anchor component={Link} to={`/backtests/runs/${r.id}`} fz="sm">{runName(r)}</Anchor> }))} />
            <Text size="xs" c="dimmed" mt="xs">Bold, shaded: the best of the runs where one is better. Settings:</Text>
            {runs.map((r, i) => <Text key={r.id} size="xs" c="dimmed"><span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>{runName(r)}: {settingsLine(r.config)}</Text>)}
          </Card>
        </Stack>
      )}
    </>
  );
}

