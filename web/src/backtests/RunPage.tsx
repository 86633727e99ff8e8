import { Alert, Box, Button, Group, List, Loader, Select, Text } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { duration, istDateTime } from "@/format";
import { useDeleteRun, useRun, useRuns } from "./backtestApi";
import { DeployFromRun } from "./DeployFromRun";
import { RunResults } from "./RunResults";
import { settingsLine } from "./words";
import { strategySentences } from "@/strategies/sentence";

/** The strategy the run tested, its rules as sentences (indicators by name: "SMA 20"). */
function RulesTested({ strategy }: { strategy: Record<string, unknown> }) {
  const sentences = strategySentences(strategy);
  return (
    <Box component="details" mb="md" fz="sm">
      <Box component="summary" style={{ cursor: "pointer" }}>The rules tested</Box>
      <List size="sm" mt={4} aria-label="The rules tested">
        {sentences.map((s, i) => <List.Item key={i}>{s}</List.Item>)}
      </List>
    </Box>
  );
}

/** One backtest run: what it was asked, its results, and what to do next. */
export function Component() {
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const run = useRun(id);
  const history = useRuns();
  const remove = useDeleteRun();
  const [deploying, setDeploying] = useState(false);

  if (!(Number.isInteger(id) && id > 0)) return <Alert color="red" role="alert">No such run: <Link to="/backtests">back to the history</Link>.</Alert>;
  if (run.isPending) return <Loader aria-label="Loading the run" />;
  if (run.isError) return <Alert color="red" role="alert">{run.error.message}</Alert>;
  const r = run.data;
  const others = (history.data ?? []).filter((o) => o.id !== r.id)
    .map((o) => ({ value: String(o.id), label: `#${o.id} · ${o.strategy_name}${o.strategy_version ? ` (v${o.strategy_version})` : ""}` }));

  return (
    <>
      <PageTitle actions={
        <Group gap="xs">
          <Button variant="default" component={Link} to={`/backtests?from=${r.id}`}>Run again</Button>
          <Select aria-label="Compare with" placeholder="Compare with…" data={others} value={null} w={240} searchable
            onChange={(v) => v && navigate(`/backtests/compare?runs=${r.id},${v}`)} />
          <Button onClick={() => setDeploying(true)} disabled={r.strategy_id === null}
            title={r.strategy_id === null ? "The strategy was inline or is deleted" : undefined}>Deploy as model portfolio</Button>
          <ConfirmButton variant="outline" color="red.9" title={`Delete run #${r.id}?`} danger confirm="Delete"
            body={<Text>Removes the run from your history. The strategy is not touched.</Text>}
            onConfirm={async () => { await remove.mutateAsync(r.id); navigate("/backtests"); }}>Delete</ConfirmButton>
        </Group>
      }>{`${r.strategy_name}${r.strategy_version ? ` v${r.strategy_version}` : ""} · run #${r.id}`}</PageTitle>
      <Text size="sm" c="dimmed" mb="xs">{settingsLine(r.config)} · run at {istDateTime(r.created_at)} in {duration(r.duration_ms)}</Text>
      {r.sweep_id != null && (
        <Text size="sm" mb="xs">
          A variant of <Link to={`/backtests/sweeps/${r.sweep_id}`}>sweep #{r.sweep_id}</Link>, run over the sweep's whole range.
        </Text>
      )}
      <RulesTested strategy={r.strategy} />
      <RunResults run={r} />
      {deploying && <DeployFromRun run={r} onClose={() => setDeploying(false)} />}
    </>
  );
}
