import { Alert, Anchor, Badge, Button, Card, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { Link, useNavigate } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime } from "@/format";
import { SweepForm } from "@/sweeps/SweepForm";
import { statusColor, statusWords } from "@/sweeps/words";
import { type WalkForwardBrief, useWalkForwards } from "./walkForwardApi";

/** Start a walk-forward; the walk-forwards so far. */
export function Component() {
  const navigate = useNavigate();
  const runs = useWalkForwards();
  const columns: Column<WalkForwardBrief>[] = [
    {
      key: "id", header: "Run", value: (r) => r.id,
      render: (r) => <Anchor component={Link} to={`/backtests/walk-forwards/${r.id}`} fz="sm">#{r.id}</Anchor>,
    },
    { key: "strategy", header: "Strategy", value: (r) => r.strategy_name, render: (r) => r.strategy_name },
    { key: "status", header: "Status", value: (r) => r.status, render: (r) => <Badge color={statusColor(r.status)} variant="outline">{statusWords(r.status)}</Badge> },
    { key: "folds", header: "Folds", numeric: true, value: (r) => r.fold_count, render: (r) => `${r.fold_count} × ${r.variant_count}` },
    { key: "done", header: "Done", numeric: true, drop: 1, value: (r) => r.done, render: (r) => `${r.done} of ${r.total}` },
    { key: "when", header: "Started", value: (r) => r.created_at, render: (r) => istDateTime(r.created_at) },
  ];
  return (
    <>
      <PageTitle actions={<Button component={Link} to="/backtests/sweeps" variant="default">Sweeps</Button>}>Walk-forward</PageTitle>
      <Stack gap="lg">
        <Card withBorder component="section" aria-label="New walk-forward">
          <Title order={2} size="h5" mb={4}>New walk-forward</Title>
          <Text size="sm" c="dimmed" mb="sm">
            Each fold runs every variant on its in-sample days, keeps the best, and scores it on the days that follow,
            which it never saw. The scored days stitch into one curve.
          </Text>
          <SweepForm kind="walk-forward" onStarted={(id) => navigate(`/backtests/walk-forwards/${id}`)} />
        </Card>
        <Card withBorder component="section" aria-label="Walk-forwards">
          <Group justify="space-between"><Title order={2} size="h5" mb="xs">Walk-forwards</Title></Group>
          {runs.isPending && <Loader size="sm" aria-label="Loading the walk-forwards" />}
          {runs.isError && <Alert color="red" role="alert">{runs.error.message}</Alert>}
          {runs.data && (
            <DataTable caption="Walk-forwards" columns={columns} rows={runs.data} rowKey={(r) => r.id} csvName="walk-forwards"
              empty="No walk-forwards yet: start one above." />
          )}
        </Card>
      </Stack>
    </>
  );
}
