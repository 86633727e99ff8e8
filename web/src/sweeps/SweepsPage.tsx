import { Alert, Anchor, Badge, Button, Card, Loader, Stack, Title } from "@mantine/core";
import { Link, useNavigate } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime } from "@/format";
import { type SweepBrief, useSweeps } from "./sweepApi";
import { SweepForm } from "./SweepForm";
import { statusColor, statusWords } from "./words";

/** Start a parameter sweep; the sweeps so far. */
export function Component() {
  const navigate = useNavigate();
  const sweeps = useSweeps();
  const columns: Column<SweepBrief>[] = [
    {
      key: "id", header: "Sweep", value: (s) => s.id,
      render: (s) => <Anchor component={Link} to={`/backtests/sweeps/${s.id}`} fz="sm">#{s.id}</Anchor>,
    },
    { key: "strategy", header: "Strategy", value: (s) => s.strategy_name, render: (s) => s.strategy_name },
    { key: "status", header: "Status", value: (s) => s.status, render: (s) => <Badge color={statusColor(s.status)} variant="outline">{statusWords(s.status)}</Badge> },
    { key: "done", header: "Variants", numeric: true, value: (s) => s.done, render: (s) => `${s.done} of ${s.total}` },
    { key: "speed", header: "Variants/s", numeric: true, drop: 1, value: (s) => s.variants_per_s, render: (s) => s.variants_per_s?.toFixed(1) ?? "—" },
    { key: "split", header: "Out-of-sample from", drop: 2, value: (s) => s.split_date, render: (s) => s.split_date },
    { key: "when", header: "Started", value: (s) => s.created_at, render: (s) => istDateTime(s.created_at) },
  ];
  return (
    <>
      <PageTitle actions={
        <>
          <Button component={Link} to="/backtests/walk-forwards" variant="default">Walk-forward</Button>
          <Button component={Link} to="/backtests" variant="default">Backtests</Button>
        </>
      }>Parameter sweeps</PageTitle>
      <Stack gap="lg">
        <Card withBorder component="section" aria-label="New sweep">
          <Title order={2} size="h5" mb="sm">New sweep</Title>
          <SweepForm onStarted={(id) => navigate(`/backtests/sweeps/${id}`)} />
        </Card>
        <Card withBorder component="section" aria-label="Sweeps">
          <Title order={2} size="h5" mb="xs">Sweeps</Title>
          {sweeps.isPending && <Loader size="sm" aria-label="Loading the sweeps" />}
          {sweeps.isError && <Alert color="red" role="alert">{sweeps.error.message}</Alert>}
          {sweeps.data && (
            <DataTable caption="Sweeps" columns={columns} rows={sweeps.data} rowKey={(s) => s.id} csvName="sweeps"
              empty="No sweeps yet: start one above." />
          )}
        </Card>
      </Stack>
    </>
  );
}
