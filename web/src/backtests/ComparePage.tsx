import { Alert, Anchor, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { PageTitle } from "@/components/PageTitle";
import { inr, pct, plainTicks } from "@/format";
import { compareMetrics, type Metric } from "./analysis";
import { type Run, useRunsById } from "./backtestApi";
import { LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import { equitySeries } from "./RunResults";
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
  const phone = useMediaQuery("(max-width: 36em)");

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
            {phone ? (
              <Stack gap={6} role="list" aria-label="Metrics compared">
                {rows.map((row) => (
                  <Card key={row.metric.key} withBorder padding={6} role="listitem" aria-label={`${row.metric.label}${row.differs ? " (differs)" : ""}`}>
                    <Text size="sm" fw={600}>{row.metric.label}{row.differs && <Text span c="dimmed" size="xs"> · differs</Text>}</Text>
                    {row.values.map((v, i) => (
                      <Group key={i} justify="space-between" gap="xs" wrap="nowrap">
                        <Text size="xs"><span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>#{runs[i]?.id}</Text>
                        <Text size="sm" className="num" fw={row.best === i ? 700 : undefined}>
                          {show(row.metric, v)}{row.best === i ? " (best)" : ""}
                        </Text>
                      </Group>
                    ))}
                  </Card>
                ))}
              </Stack>
            ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table fz="sm" aria-label="Metrics compared" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Metric</Table.Th>
                    {runs.map((r, i) => (
                      <Table.Th key={r.id} ta="right">
                        <span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>
                        <Anchor component={Link} to={`/backtests/runs/${r.id}`} fz="sm">{runName(r)}</Anchor>
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((row) => (
                    <Table.Tr key={row.metric.key} data-differs={row.differs || undefined}
                      aria-label={`${row.metric.label}${row.differs ? " (differs)" : ""}`}>
                      <Table.Th scope="row" fw={row.differs ? 600 : 400}>
                        {row.metric.label}{row.differs && <Text span c="dimmed" size="xs"> · differs</Text>}
                      </Table.Th>
                      {row.values.map((v, i) => (
                        <Table.Td key={i} className="num" fw={row.best === i ? 700 : undefined}
                          style={row.best === i ? { background: "var(--mantine-color-blue-light)" } : undefined}>
                          {show(row.metric, v)}{row.best === i && <span className="visually-hidden"> (best)</span>}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            )}
            <Text size="xs" c="dimmed" mt="xs">Bold, shaded: the best of the runs where one is better. Settings:</Text>
            {runs.map((r, i) => <Text key={r.id} size="xs" c="dimmed"><span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>{runName(r)}: {settingsLine(r.config)}</Text>)}
          </Card>
        </Stack>
      )}
    </>
  );
}

