// Sweep the strategy's leg parameters: one or two of them, each with its legs and values; the
// sweep runs on the server's research jobs and fills a heatmap (net P&L, max drawdown or win
// rate per cell) as its cells finish. `AxisRow` serves the walk-forward form too.
import { Alert, Button, Card, Group, NativeSelect, Progress, SegmentedControl, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/api/errors";
import { inr, pct } from "@/format";
import { useCancelOptionSweep, useOptionSweep, useStartOptionSweep } from "./optionBacktestApi";
import type { OptionRunRequest } from "./optionDoc";
import { HEAT_FIGURES, type HeatFigure, heatmap, newAxis, type OptionSweep, SWEEP_PARAMETERS, type SweepAxisValues, sweepRequest } from "./optionSweep";

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

function HeatTable({ sweep }: { sweep: OptionSweep }) {
  const [key, setKey] = useState<HeatFigure>("net");
  const map = heatmap(sweep, key);
  return (
    <Stack gap="xs">
      <SegmentedControl size="xs" value={key} onChange={(v) => setKey(v as HeatFigure)} data={HEAT_FIGURES} aria-label="Figure shown" />
      <Table.ScrollContainer minWidth={320}>
        <Table withTableBorder withColumnBorders aria-label="Sweep heatmap" fz="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{map.rowLabel ? `${map.rowLabel} ↓ / ${map.colLabel ?? ""} →` : `${map.colLabel ?? ""} →`}</Table.Th>
              {map.cols.map((c) => <Table.Th key={String(c)}>{String(c)}</Table.Th>)}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {map.cells.map((row, r) => (
              <Table.Tr key={String(map.rows[r])}>
                <Table.Th>{String(map.rows[r])}</Table.Th>
                {row.map((c, i) => (
                  <Table.Td key={i} title={c.cell?.error ?? undefined}
                    style={{ background: c.value === null ? undefined : `hsl(${Math.round(c.shade * 120)} 70% 85%)`, color: "#111", textAlign: "right" }}>
                    {c.cell?.error ? "no run" : shown(key, c.value)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="xs" c="dimmed">Green is the best cell of the figure shown, red the worst. Net P&amp;L is after slippage and charges.</Text>
    </Stack>
  );
}

export function OptionSweepPanel({ request }: { request: () => OptionRunRequest }) {
  const [axes, setAxes] = useState<SweepAxisValues[]>([{ ...newAxis("stop_loss"), values: "20, 30, 40" }]);
  const [error, setError] = useState<string | null>(null);
  const [id, setId] = useState<number | null>(null);
  const start = useStartOptionSweep();
  const cancel = useCancelOptionSweep();
  const sweep = useOptionSweep(id);
  const running = sweep.data && ["queued", "running"].includes(sweep.data.status);

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
          <Button size="xs" onClick={() => void go()} loading={start.isPending} disabled={Boolean(running)}>Start sweep</Button>
          {running && id !== null && <Button size="xs" color="red" variant="light" onClick={() => cancel.mutate(id)}>Cancel</Button>}
        </Group>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        {sweep.data && (
          <>
            <Group gap="xs" role="status">
              <Text size="xs">Sweep #{sweep.data.id}: {sweep.data.status}, {sweep.data.done} of {sweep.data.total} cells</Text>
              {sweep.data.error && <Text size="xs" c="red.9">{sweep.data.error}</Text>}
            </Group>
            <Progress size="xs" value={sweep.data.total ? (sweep.data.done / sweep.data.total) * 100 : 0} aria-label="Sweep progress" />
            <HeatTable sweep={sweep.data} />
          </>
        )}
      </Stack>
    </Card>
  );
}
