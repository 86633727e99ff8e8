import { Alert, Anchor, Button, Card, Checkbox, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime, pct } from "@/format";
import { type RunBrief, useRun, useRuns } from "./backtestApi";
import { RunForm } from "./RunForm";
import { fromRunConfig, initialRun, type RunValues } from "./runForm";
import { universeName } from "./words";

const MAX_COMPARE = 4;

function num(summary: Record<string, unknown>, key: string): number | null {
  const v = summary[key];
  return typeof v === "number" ? v : null;
}

/** The form's starting values: a run to do again (`?from=`), a strategy (`?strategy=`), or the defaults. */
function useInitial(): RunValues | null {
  const [params] = useSearchParams();
  const from = Number(params.get("from")) || 0;
  const strategy = params.get("strategy") ?? "";
  const again = useRun(from);
  return useMemo(() => {
    if (!from) return { ...initialRun, strategy_id: strategy };
    if (!again.data) return null;
    return fromRunConfig(again.data.config, again.data.strategy_id);
  }, [from, strategy, again.data]);
}

/** Run a backtest; the history, from which 2–4 runs are compared side by side. */
export function Component() {
  const navigate = useNavigate();
  const initial = useInitial();
  const runs = useRuns();
  const [picked, setPicked] = useState<number[]>([]);
  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length < MAX_COMPARE ? [...p, id] : p));

  const columns: Column<RunBrief>[] = [
    {
      key: "pick", header: "Compare", card: "aside",
      render: (r) => (
        <Checkbox aria-label={`Compare run #${r.id}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)}
          disabled={!picked.includes(r.id) && picked.length >= MAX_COMPARE} />
      ),
    },
    {
      key: "id", header: "Run", value: (r) => r.id, card: "title",
      render: (r) => <Anchor component={Link} to={`/backtests/runs/${r.id}`} fz="sm">#{r.id}</Anchor>,
    },
    {
      key: "strategy", header: "Strategy", value: (r) => r.strategy_name, card: "title",
      render: (r) => `${r.strategy_name}${r.strategy_version ? ` (v${r.strategy_version})` : ""}`,
    },
    { key: "universe", header: "Universe", render: (r) => universeName(r.config.universe), value: (r) => universeName(r.config.universe) },
    { key: "range", header: "Range", drop: 2, render: (r) => `${r.config.start_date} to ${r.config.end_date}` },
    { key: "cagr", header: "CAGR", numeric: true, render: (r) => pct(num(r.summary, "cagr"), { signed: true }), value: (r) => num(r.summary, "cagr") },
    { key: "dd", header: "Max drawdown", numeric: true, render: (r) => pct(num(r.summary, "max_drawdown")), value: (r) => num(r.summary, "max_drawdown") },
    { key: "trades", header: "Trades", numeric: true, render: (r) => num(r.summary, "total_trades") ?? "—", value: (r) => num(r.summary, "total_trades") },
    { key: "when", header: "Run at", drop: 1, render: (r) => istDateTime(r.created_at), value: (r) => r.created_at },
  ];

  return (
    <>
      <PageTitle actions={
        <Group gap="xs">
          <Button component={Link} to="/backtests/sweeps" variant="default">Parameter sweeps</Button>
          <Button component={Link} to="/strategies" variant="default">Strategies</Button>
        </Group>
      }>Backtests</PageTitle>
      <Stack gap="lg">
        <Card withBorder component="section" aria-label="New backtest">
          <Title order={2} size="h5" mb="sm">New backtest</Title>
          {initial ? <RunForm initial={initial} onDone={(id) => navigate(`/backtests/runs/${id}`)} /> : <Loader size="sm" aria-label="Loading the run's settings" />}
        </Card>
        <Card withBorder component="section" aria-label="History">
          <Group justify="space-between" mb="xs">
            <Title order={2} size="h5">History</Title>
            <Group gap="xs">
              <Text size="sm" c="dimmed">{picked.length === 0 ? "Tick 2 to 4 runs to compare." : `${picked.length} ticked`}</Text>
              <Button size="xs" disabled={picked.length < 2}
                onClick={() => navigate(`/backtests/compare?runs=${picked.join(",")}`)}>Compare</Button>
            </Group>
          </Group>
          {runs.isPending && <Loader size="sm" aria-label="Loading the history" />}
          {runs.isError && <Alert color="red" role="alert">{runs.error.message}</Alert>}
          {runs.data && (
            <DataTable caption="Backtest history" columns={columns} rows={runs.data} rowKey={(r) => r.id} csvName="backtests"
              empty="No runs yet: run one above." />
          )}
        </Card>
      </Stack>
    </>
  );
}
