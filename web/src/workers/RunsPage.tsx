// The run cards: each worker run's status, mode, health, heartbeat age and net P&L at a
// glance (refreshed every few seconds); a card opens the run.
import { Anchor, Badge, Group, Loader, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { Notice } from "@/orders/Notice";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime } from "@/format";
import { ageWords } from "./timeline";
import { type RunCard, useRunCards } from "./workerApi";
import { healthWord, modeColor, modeWord, statusWord } from "./words";
import { WorkersNav } from "./WorkersNav";

function Card({ run }: { run: RunCard }) {
  const [health, color] = healthWord(run.health_status, run.heartbeat_age_sec);
  const title = run.name || run.strategy_run_id;
  return (
    <Paper withBorder p="md" component="article" aria-label={`Run ${title}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Anchor component={Link} to={`/workers/runs/${run.id}`} fw={600} truncate>{title}</Anchor>
          <Badge variant="outline" color={modeColor(run.execution_mode)}>{modeWord(run.execution_mode)}</Badge>
        </Group>
        <Group justify="space-between" align="baseline">
          <Text size="sm" c="dimmed">Net P&amp;L</Text>
          <Text fw={600} size="lg" aria-label="Net P&L"><Money value={run.net_pnl} pnl /></Text>
        </Group>
        <Group gap="xs">
          <Badge variant="outline" color={run.status === "open" ? "blue.8" : "gray.7"}>{statusWord(run.status)}</Badge>
          <Badge variant="dot" color={color}>{health}</Badge>
          {run.is_option_run && <Badge variant="outline" color="grape.8">Options</Badge>}
        </Group>
        <Text size="xs" c="dimmed">
          Heartbeat {ageWords(run.heartbeat_age_sec)} · {run.position_count} open {run.position_count === 1 ? "position" : "positions"} · {run.template_id} · token {run.token_name} · started {istDateTime(run.created_at)}
        </Text>
      </Stack>
    </Paper>
  );
}

export function Component() {
  const runs = useRunCards();
  return (
    <>
      <PageTitle>Algo workers</PageTitle>
      <WorkersNav />
      {runs.isPending && <Loader aria-label="Loading the runs" />}
      {runs.isError && <Notice color="red" role="alert">{runs.error.message}</Notice>}
      {runs.data?.length === 0 && (
        <Notice color="blue" title="No worker runs yet">
          Create a token under <Anchor component={Link} to="/workers/tokens" c="light-dark(var(--mantine-color-blue-9), var(--mantine-color-blue-3))" underline="always">Tokens</Anchor>, then start a worker with the
          Python SDK (<code>pip install ./sdk/python</code>); its runs appear here.
        </Notice>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} role="list" aria-label="Worker runs">
        {(runs.data ?? []).map((run) => <div role="listitem" key={run.id}><Card run={run} /></div>)}
      </SimpleGrid>
    </>
  );
}
