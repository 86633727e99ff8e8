// Sweep the strategy's leg parameters: one or two of them, each with its legs and values; the
// sweep runs on the server's research jobs, its stream counts the cells done, and the heatmap
// (net P&L, max drawdown or win rate per cell) fills as they finish. A cell opens as an
// options run of its own (its trades, equity and payoff), shown as any run of the page. `AxisRow` serves the walk-forward form too.
import { Alert, Button, Card, Group, NativeSelect, Progress, SegmentedControl, Stack, Table, Text, TextInput, Title, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError } from "@/api/errors";
import { useEventStream } from "@/api/eventStream";
import { inr, pct } from "@/format";
import type { SweepProgress } from "@/sweeps/sweepApi";
import { optionSweepEventsUrl, optionSweepKeys, useCancelOptionSweep, useOpenOptionCell, useOptionSweep, useStartOptionSweep } from "./optionBacktestApi";
import type { OptionRunRequest } from "./optionDoc";
import { cellName, HEAT_FIGURES, type HeatFigure, heatmap, newAxis, type OptionSweep, type OptionSweepCell, SWEEP_PARAMETERS, type SweepAxisValues, sweepRequest } from "./optionSweep";

const UNITS = [{ value: "", label: "Leg's own" }, { value: "pct", label: "%" }, { value: "points", label: "Points" }, { value: "rupees", label: "₹" }];

export function AxisRow({ axis, index, onChange }: { axis: SweepAxisValues; index: number; onChange: (a: SweepAxisValues) => void }) {
  const amount = axis.parameter === "stop_loss" || axis.parameter === "target";
  const timed = axis.parameter === "entry_time" || axis.parameter === "exit_time";
  return (
    <Group gap="xs" align="end" wrap="wrap" role="group" aria-label={`Parameter ${index + 1}`}>
      <NativeSelect size="xs" label={`Parameter ${index + 1}`} value={axis.parameter} data={SWEEP_PARAMETERS}
        onChange={(e) => onChange({ ...axis, parameter: e.currentTarget.value as SweepAxisValues["parameter"] })} />
      {!timed && <TextInput size="xs" w={110} label="Legs" description="empty: every leg" value={axis.legs} onChange={(e) => onChange({ ...axis, legs: e.currentTarget.value })} />}
      <TextInput size="xs" w={220} label="Values" description={timed ? "e.g. 09:20, 10:00" : "e.g. 20, 30, 40"} value={axis.values} onChange={(e) => onChange({ ...axis, values: e.currentTarget.value })} />
      {amount && <NativeSelect size="xs" label="Unit" data={UNITS} value={axis.unit} onChange={(e) => onChange({ ...axis, unit: e.currentTarget.value as SweepAxisValues["unit"] })} />}
    </Group>
  );
}

function shown(key: HeatFigure, value: number | null): string {
  if (value === null) return "…";
  return key === "net" ? inr(value, 0) : pct(value);
}

function HeatTable({ sweep, onOpen, opening }: { sweep: OptionSweep; onOpen: (cell: OptionSweepCell) => void; opening: number | null }) {
  const [key, setKey] = useState<HeatFigure>("net");
  const map = heatmap(sweep, key);
  const two = map.rowLabel !== "";
  return (
    <Stack gap="xs">
      <SegmentedControl size="xs" value={key} onChange={(v) => setKey(v as HeatFigure)} data={HEAT_FIGURES} aria-label="Figure shown" />
      <Table.ScrollContainer minWidth={two ? 320 : 0}>
        <Table withTableBorder withColumnBorders aria-label="Sweep heatmap" fz="xs" w={two ? undefined : "auto"}>
          {!two && <Table.Caption style={{ captionSide: "top", textAlign: "left" }}>{`${map.colLabel}\u00a0→`}</Table.Caption>}
          <Table.Thead>
            <Table.Tr>
              {two && <Table.Th style={{ whiteSpace: "normal", maxWidth: "9rem" }}>{map.rowLabel} ↓ / {map.colLabel} →</Table.Th>}
              {map.cols.map((c) => <Table.Th key={String(c)} style={{ textAlign: "right" }}>{String(c)}</Table.Th>)}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {map.cells.map((row, r) => (
              <Table.Tr key={String(map.rows[r])}>
                {two && <Table.Th>{String(map.rows[r])}</Table.Th>}
                {row.map((c, i) => (
                  <Table.Td key={i} title={c.cell?.error ?? undefined}
                    style={{ background: c.value === null ? undefined : `hsl(${Math.round(c.shade * 120)} 70% 85%)`, color: "#111", textAlign: "right", padding: 0 }}>
                    {c.cell && !c.cell.error ? (
                      <UnstyledButton onClick={() => onOpen(c.cell as OptionSweepCell)} disabled={opening !== null}
                        style={{ display: "block", width: "100%", padding: "4px 8px", textAlign: "right", fontSize: "inherit", color: "inherit", textDecoration: c.cell.run_id ? "underline" : undefined, cursor: opening === null ? "pointer" : "wait" }}>
                        <VisuallyHidden>{`${c.cell.run_id ? "Open the run of" : "Run"} ${cellName(sweep, c.cell)}: `}</VisuallyHidden>
                        {opening === c.cell.index ? "running…" : shown(key, c.value)}
                      </UnstyledButton>
                    ) : <Text span size="xs" px={8}>{c.cell?.error ? "no run" : shown(key, c.value)}</Text>}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="xs" c="dimmed">Green is the best cell of the figure shown, red the worst. Net P&amp;L is after slippage and charges. Click a cell to open it as a run of its own (its trades, equity and payoff); an underlined one has been opened.</Text>
    </Stack>
  );
}

/** Follows the sweep's stream while it runs and reads the sweep again as cells land. */
function useLiveOptionSweep(id: number | null) {
  const sweep = useOptionSweep(id);
  const client = useQueryClient();
  // followed from the start (the panel's id is only ever a sweep it just started): a two-cell
  // sweep can end before the first read answers, and a stream opened then still says "end"
  const running = sweep.data ? ["queued", "running"].includes(sweep.data.status) : id !== null;
  const refresh = () => void client.invalidateQueries({ queryKey: optionSweepKeys.sweep(id ?? 0) });
  const stream = useEventStream<SweepProgress>(running && id ? optionSweepEventsUrl(id) : null, refresh);
  const done = stream.latest?.done;
  useEffect(() => {
    if (done) refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per cell counted
  }, [done]);
  return { sweep, live: running ? stream.latest : undefined }; // once read as ended, the read wins
}

export function OptionSweepPanel({ request, onOpenRun }: { request: () => OptionRunRequest; onOpenRun: (runId: number) => void }) {
  const [axes, setAxes] = useState<SweepAxisValues[]>([{ ...newAxis("stop_loss"), values: "20, 30, 40" }]);
  const [error, setError] = useState<string | null>(null);
  const [id, setId] = useState<number | null>(null);
  const start = useStartOptionSweep();
  const cancel = useCancelOptionSweep();
  const { sweep, live } = useLiveOptionSweep(id);
  const status = live?.status ?? sweep.data?.status;
  const done = live?.done ?? sweep.data?.done ?? 0;
  const total = live?.total ?? sweep.data?.total ?? 0;
  const running = status !== undefined && ["queued", "running"].includes(status);
  const openCell = useOpenOptionCell();
  const [opening, setOpening] = useState<number | null>(null);
  const open = async (cell: OptionSweepCell) => {
    if (id === null) return;
    setError(null);
    setOpening(cell.index);
    try {
      onOpenRun((await openCell.mutateAsync({ sweepId: id, index: cell.index })).id);
    } catch (err) {
      setError(err instanceof ApiError ? `Not opened: ${err.message}` : String(err));
    } finally {
      setOpening(null);
    }
  };

  const go = async () => {
    setError(null);
    try {
      setId((await start.mutateAsync(sweepRequest(request(), axes))).id);
    } catch (err) {
      setError(err instanceof ApiError ? `Not started: ${err.message}` : String(err));
    }
  };

  return (
    <Card withBorder component="section" aria-label="Sweep">
      <Title order={2} size="h5" mb="xs">Sweep leg parameters</Title>
      <Stack gap="xs">
        {axes.map((a, i) => (
          <AxisRow key={i} axis={a} index={i} onChange={(next) => setAxes((all) => all.map((x, j) => (j === i ? next : x)))} />
        ))}
        <Group gap="xs">
          {axes.length < 2 && <Button size="xs" variant="default" onClick={() => setAxes((all) => [...all, { ...newAxis("entry_time"), values: "09:20, 10:00" }])}>Add a second parameter</Button>}
          {axes.length > 1 && <Button size="xs" variant="default" onClick={() => setAxes((all) => all.slice(0, 1))}>Remove the second</Button>}
          <Button size="xs" onClick={() => void go()} loading={start.isPending} disabled={running}>Start sweep</Button>
          {running && id !== null && <Button size="xs" color="red" variant="light" onClick={() => cancel.mutate(id)}>Cancel</Button>}
        </Group>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        {sweep.data && (
          <>
            <Group gap="xs" role="status">
              <Text size="xs">Sweep #{sweep.data.id}: {status}, {done} of {total} cells</Text>
              {(live?.error ?? sweep.data.error) && <Text size="xs" c="red.9">{live?.error ?? sweep.data.error}</Text>}
            </Group>
            <Progress size="xs" value={total ? (done / total) * 100 : 0} animated={running} aria-label="Sweep progress" />
            <HeatTable sweep={sweep.data} onOpen={(c) => void open(c)} opening={opening} />
          </>
        )}
      </Stack>
    </Card>
  );
}
