// Replays: start a worker run against a past period (its dates, resolution and speed) and
// get the replay's own worker token (shown once); the replays so far, each opening its report.
import { Anchor, Badge, Button, Group, Modal, Paper, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { ApiError } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime } from "@/format";
import { CopyField } from "@/settings/CopyField";
import { type Replay, type ReplayStarted, useReplays, useStartReplay } from "./workerApi";
import { WorkersNav } from "./WorkersNav";

const SPEEDS = [
  { value: "max", label: "As fast as the worker asks (max)" },
  { value: "60", label: "60×" },
  { value: "10", label: "10×" },
  { value: "1", label: "1× (real time)" },
];
const RESOLUTIONS = [
  { value: "minute", label: "Minute candles" },
  { value: "day", label: "Day candles (bhavcopies)" },
];

function StartReplay({ onStarted }: { onStarted: (started: ReplayStarted) => void }) {
  const start = useStartReplay();
  const [template, setTemplate] = useState("basic-equity");
  const [runId, setRunId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [resolution, setResolution] = useState("minute");
  const [speed, setSpeed] = useState("max");
  const fields = start.error instanceof ApiError ? start.error.fields : {};
  const submit = async () => {
    const started = await start.mutateAsync({
      template_id: template.trim(),
      strategy_run_id: runId.trim() || null,
      account_scope: "kite:paper",
      replay: { from, to, resolution, speed },
    });
    onStarted(started);
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="New replay">
      <form onSubmit={(e) => { e.preventDefault(); void submit().catch(() => {}); }}>
        <Stack gap="sm">
          <Title order={2} size="h4">Play a worker against a past period</Title>
          <Text size="sm" c="dimmed">
            The run trades on paper, through the same API, charges, margins and risk rules, on the period’s imported
            minutes (or its bhavcopies, or the synthetic market where nothing is imported), with a clock and an account of its own.
          </Text>
          <Group align="flex-start" grow>
            <TextInput label="Template" required value={template} onChange={(e) => setTemplate(e.currentTarget.value)} error={fields.template_id} />
            <TextInput label="Run id (optional)" description="your worker's KITE_ALGO_RUN_ID" value={runId} onChange={(e) => setRunId(e.currentTarget.value)} error={fields.strategy_run_id} />
          </Group>
          <Group align="flex-start" grow>
            <TextInput label="From" type="date" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={fields["replay.from"]} />
            <TextInput label="To" type="date" required value={to} onChange={(e) => setTo(e.currentTarget.value)} error={fields["replay.to"]} />
            <Select label="Prices" data={RESOLUTIONS} value={resolution} onChange={(v) => setResolution(v ?? "minute")} allowDeselect={false} error={fields["replay.resolution"]} />
            <Select label="Speed" data={SPEEDS} value={speed} onChange={(v) => setSpeed(v ?? "max")} allowDeselect={false} error={fields["replay.speed"]} />
          </Group>
          {start.error && !Object.keys(fields).length && <Text c="red" size="sm" role="alert">{start.error.message}</Text>}
          <Group><Button type="submit" disabled={!template.trim() || !from || !to} loading={start.isPending}>Start replay</Button></Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function Component() {
  const replays = useReplays();
  const [started, setStarted] = useState<ReplayStarted | null>(null);
  const columns: Column<Replay>[] = [
    { key: "run", header: "Run", render: (r) => <Anchor component={Link} to={`/workers/replays/${r.id}`}>{r.strategy_run_id}</Anchor>, value: (r) => r.strategy_run_id },
    { key: "period", header: "Period", render: (r) => (r.from === r.to ? r.from : `${r.from} to ${r.to}`), value: (r) => r.from },
    { key: "resolution", header: "Prices", render: (r) => (r.resolution === "day" ? "Day candles" : "Minute candles") },
    { key: "speed", header: "Speed", render: (r) => (r.speed === "max" ? "Max" : `${r.speed}×`) },
    { key: "clock", header: "Replay time (IST)", render: (r) => istDateTime(r.clock), value: (r) => r.clock },
    { key: "status", header: "Status", render: (r) => <Badge variant="outline" color={r.status === "finished" ? "gray.7" : "blue.8"}>{r.status === "finished" ? "Finished" : "Playing"}</Badge> },
  ];
  return (
    <>
      <PageTitle>Algo workers</PageTitle>
      <WorkersNav />
      <Stack gap="lg">
        <StartReplay onStarted={setStarted} />
        <DataTable caption="Replays" columns={columns} rows={replays.data ?? []} rowKey={(r) => String(r.id)} empty="No replays yet." />
      </Stack>
      <Modal opened={started !== null} onClose={() => setStarted(null)} title="Your replay's worker token" closeButtonProps={{ "aria-label": "Close" }}>
        {started && (
          <Stack gap="sm">
            <Text size="sm">
              Run your worker unchanged with this token as <code>KITE_ALGO_WORKER_TOKEN</code> and <code>KITE_ALGO_RUN_ID={started.strategy_run_id}</code>.
              Copy it now: it is shown once.
            </Text>
            <CopyField label="Replay worker token" value={started.token} />
            <Group justify="flex-end">
              <Button component={Link} to={`/workers/replays/${started.id}`} variant="default">Open the replay</Button>
              <Button onClick={() => setStarted(null)}>Done</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
