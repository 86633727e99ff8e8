// The options runs kept (each run of the form joins them): open one's results, or pick 2 to 4
// and compare them: their P&L curves on one chart and their figures side by side.
import { Alert, Badge, Button, Card, Checkbox, Group, Loader, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { type Column, DataTable } from "@/components/DataTable";
import { LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import { Money } from "@/components/Money";
import { inr, istDate, istDateTime, lakhCrore, moneyTicks, pct, qty } from "@/format";
import { compareMetrics, type Metric } from "../analysis";
import { MetricsCompared } from "../MetricsCompared";
import { type OptionComparedRun, type OptionRunBrief, useCompareOptionRuns, useOptionRuns } from "./optionBacktestApi";

export const MAX_COMPARED = 6; // as the API compares

/** The figures a comparison of options runs sets side by side (keys of the API's figures). */
export const OPTION_METRICS: Metric[] = [
  { key: "net", label: "Net P&L", unit: "inr", better: "higher" },
  { key: "gross", label: "Gross P&L", unit: "inr", better: "higher" },
  { key: "charges", label: "Charges", unit: "inr", better: "lower" },
  { key: "slippage", label: "Slippage", unit: "inr", better: "lower" },
  { key: "max_drawdown", label: "Max drawdown", unit: "pct", better: "higher" }, // negative: nearer 0 is better
  { key: "win_rate", label: "Win rate (entries)", unit: "pct", better: "higher" },
  { key: "trade_sets", label: "Entries", unit: "count", better: null },
  { key: "trade_count", label: "Leg trades", unit: "count", better: null },
  { key: "margin_peak", label: "Margin peak", unit: "inr", better: null },
  { key: "return_on_margin", label: "Return on margin", unit: "pct", better: "higher" },
];

function show(metric: Metric, value: number | null): string {
  if (value === null) return "—";
  switch (metric.unit) {
    case "inr": return inr(value);
    case "pct": return pct(value, { signed: metric.key === "return_on_margin" });
    default: return qty(value);
  }
}

const runName = (r: Pick<OptionRunBrief, "id" | "name">) => `#${r.id} ${r.name}`;

/** Each run's P&L (equity less its capital) by day, on one chart. */
export function pnlSeries(runs: OptionComparedRun[]): Series[] {
  return runs.map((r, i) => ({
    name: runName(r),
    color: RUN_COLOURS[i % RUN_COLOURS.length] as string,
    points: r.curve.map((d) => ({ time: d.day, value: d.equity - Number(r.capital) })),
  }));
}

function Compared({ ids }: { ids: number[] }) {
  const compared = useCompareOptionRuns(ids);
  const runs = compared.data?.runs ?? [];
  const series = useMemo(() => pnlSeries(runs), [compared.data]);
  const rows = useMemo(() => compareMetrics(runs as unknown as Record<string, unknown>[], OPTION_METRICS), [compared.data]);
  if (compared.isError) return <Alert color="red" role="alert">{compared.error.message}</Alert>;
  if (!compared.data) return <Loader size="sm" aria-label="Loading the comparison" />;
  return (
    <Card withBorder component="section" aria-label="Runs compared">
      <Title order={3} size="h6" mb="xs">P&amp;L compared</Title>
      <LineChart series={series} format={lakhCrore} ticks={moneyTicks} label={`P&L of ${runs.map(runName).join(", ")}`} />
      <Title order={3} size="h6" my="xs">Figures</Title>
      <MetricsCompared rows={rows} show={show} runs={runs.map((r) => ({ key: r.id, short: `#${r.id}`, label: runName(r) }))} />
      <Text size="xs" c="dimmed" mt="xs">Bold, shaded: the best of the runs where one is better.</Text>
      {runs.map((r, i) => (
        <Text key={r.id} size="xs" c="dimmed">
          <span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>{runName(r)}: {r.underlying}, {istDate(r.start)} to {istDate(r.end)}, {r.resolution}{r.synthetic ? ", synthetic data" : ""}
        </Text>
      ))}
    </Card>
  );
}

/** Past runs, newest first; `onOpen` shows one's results. */
export function OptionRunsHistory({ opened, onOpen }: { opened: number | null; onOpen: (id: number) => void }) {
  const runs = useOptionRuns();
  const [chosen, setChosen] = useState<number[]>([]);
  const [comparing, setComparing] = useState<number[]>([]);
  const toggle = (id: number, on: boolean) =>
    setChosen((c) => (on ? [...c.filter((x) => x !== id), id].slice(-MAX_COMPARED) : c.filter((x) => x !== id)));

  const columns: Column<OptionRunBrief>[] = [
    { key: "name", header: "Run", card: "title", value: (r) => r.id,
      render: (r) => (
        <Checkbox size="xs" checked={chosen.includes(r.id)} onChange={(e) => toggle(r.id, e.currentTarget.checked)}
          label={<>{runName(r)}{r.synthetic && <Badge ml={4} size="xs" color="gray" variant="outline">synthetic</Badge>}{r.sweep_id != null && <Badge ml={4} size="xs" variant="outline">sweep #{r.sweep_id}, cell {(r.sweep_cell ?? 0) + 1}</Badge>}</>}
          aria-label={`Compare ${runName(r)}`} />
      ) },
    { key: "range", header: "Range", value: (r) => r.start, render: (r) => `${istDate(r.start)} to ${istDate(r.end)}` },
    { key: "net", header: "Net P&L", numeric: true, card: "aside", value: (r) => r.net, render: (r) => <Money value={r.net} pnl /> },
    { key: "max_drawdown", header: "Max DD", numeric: true, drop: 2, value: (r) => r.max_drawdown, render: (r) => pct(r.max_drawdown) },
    { key: "win_rate", header: "Win rate", numeric: true, drop: 2, value: (r) => r.win_rate, render: (r) => pct(r.win_rate, { decimals: 0 }) },
    { key: "trades", header: "Trades", numeric: true, drop: 1, value: (r) => r.trade_count, render: (r) => qty(r.trade_count) },
    { key: "charges", header: "Charges", numeric: true, drop: 1, value: (r) => r.charges, render: (r) => inr(r.charges) },
    { key: "created_at", header: "Run at", drop: 3, value: (r) => r.created_at, render: (r) => istDateTime(r.created_at) },
  ];
  if (runs.isError) return <Alert color="red" role="alert">{runs.error.message}</Alert>;
  return (
    <Card withBorder component="section" aria-label="Past runs">
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Title order={2} size="h5">Past runs</Title>
        <Group gap="xs">
          <Text size="xs" c="dimmed">{chosen.length ? `${chosen.length} chosen` : `Tick 2 to ${MAX_COMPARED} to compare`}</Text>
          <Button size="xs" disabled={chosen.length < 2} onClick={() => setComparing([...chosen])}>Compare</Button>
        </Group>
      </Group>
      {runs.isPending ? <Loader size="sm" aria-label="Loading past runs" /> : (
        <DataTable caption="Past options runs" columns={columns} rows={runs.data} rowKey={(r) => r.id} phoneCards pageSize={10}
          initialSort={{ key: "created_at", desc: true }} empty="No run yet: the runs of the form above are kept here."
          rowActions={(r) => (
            <Button size="compact-xs" variant={opened === r.id ? "filled" : "default"} onClick={() => onOpen(r.id)} aria-label={`${opened === r.id ? "Shown" : "Open"} ${runName(r)}`}>
              {opened === r.id ? "Shown" : "Open"}
            </Button>
          )} />
      )}
      {comparing.length >= 2 && <div style={{ marginTop: 12 }}><Compared ids={comparing} /></div>}
    </Card>
  );
}
