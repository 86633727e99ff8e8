// Walk an options strategy forward over its leg parameters: the sweep's grid (one or two
// numeric parameters) folded as an equity walk-forward is. The run goes to the research jobs
// and its page (the equity walk-forward's) shows the folds and the verdict as they land.
import { Alert, Anchor, Badge, Button, Card, Group, Select, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { ApiError, type FieldErrors } from "@/api/errors";
import { istDateTime } from "@/format";
import { statusColor, statusWords } from "@/sweeps/words";
import { FoldInputs } from "@/walkforward/FoldInputs";
import type { FoldValues } from "@/walkforward/walkForward";
import { useStartOptionWalkForward, useWalkForwards, walkForwardPage } from "@/walkforward/walkForwardApi";
import type { OptionRunRequest } from "./optionDoc";
import { AxisRow } from "./OptionSweepPanel";
import { newAxis, type Objective, type SweepAxisValues, walkForwardRequest } from "./optionSweep";

const OBJECTIVES: { value: Objective; label: string }[] = [
  { value: "sharpe", label: "Sharpe" },
  { value: "sortino", label: "Sortino" },
  { value: "calmar", label: "Calmar" },
  { value: "cagr", label: "CAGR" },
  { value: "total_return", label: "Total return" },
];
// the form's range (two months): folds of a month chosen, a fortnight scored
const FOLDS: FoldValues = {
  in_sample_days: "20", out_of_sample_days: "10", anchored: false, purge_days: "0", embargo_days: "0",
  search: "grid", samples: "", trials: "", seed: "0",
};

/** A field the server named, under the box that holds it (a grid's parameter by its row). */
function byField(err: ApiError): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, msg] of Object.entries(err.fields)) {
    const axis = /^parameters\[(\d+)\]/.exec(key);
    out[axis ? `axis${axis[1]}` : (key.split(/[.[]/)[0] ?? key)] = msg;
  }
  return out;
}

export function OptionWalkForwardPanel({ request }: { request: () => OptionRunRequest }) {
  const navigate = useNavigate();
  const [axes, setAxes] = useState<SweepAxisValues[]>([{ ...newAxis("stop_loss"), values: "20, 60" }]);
  const [folds, setFolds] = useState<FoldValues>(FOLDS);
  const [objective, setObjective] = useState<Objective>("sharpe");
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const start = useStartOptionWalkForward();
  const runs = useWalkForwards("options");
  const setFold = <K extends keyof FoldValues>(key: K, value: FoldValues[K]) => setFolds((f) => ({ ...f, [key]: value }));

  const go = async () => {
    setFields({});
    setError(null);
    try {
      const run = await start.mutateAsync(walkForwardRequest(request(), axes, folds, objective));
      navigate(walkForwardPage(run.id, "options"));
    } catch (err) {
      if (err instanceof ApiError) {
        const named = byField(err);
        setFields(named);
        setError(`Not started: ${err.message}`);
      } else setError(String(err));
    }
  };

  return (
    <Card withBorder component="section" aria-label="Walk-forward">
      <Title order={2} size="h5" mb={4}>Walk-forward</Title>
      <Text size="sm" c="dimmed" mb="xs">
        Each fold runs every cell of the grid on its in-sample days, keeps the best by the objective, and scores it on the
        days that follow, which it never saw. The scored days stitch into one curve.
      </Text>
      <Stack gap="xs">
        {axes.map((a, i) => (
          <Stack gap={2} key={i}>
            <AxisRow axis={a} index={i} onChange={(next) => setAxes((all) => all.map((x, j) => (j === i ? next : x)))} />
            {fields[`axis${i}`] && <Text size="xs" c="red.9">{fields[`axis${i}`]}</Text>}
          </Stack>
        ))}
        {fields.parameters && <Text size="xs" c="red.9">{fields.parameters}</Text>}
        <Group gap="xs">
          {axes.length < 2 && <Button size="xs" variant="default" onClick={() => setAxes((all) => [...all, { ...newAxis("target"), values: "50, 80" }])}>Add a second parameter</Button>}
          {axes.length > 1 && <Button size="xs" variant="default" onClick={() => setAxes((all) => all.slice(0, 1))}>Remove the second</Button>}
        </Group>
        <FoldInputs folds={folds} setFold={setFold} fields={fields}>
          <Select size="xs" label="Objective" description="what a fold chooses by" allowDeselect={false} w={160}
            value={objective} data={OBJECTIVES} onChange={(v) => setObjective((v as Objective | null) ?? "sharpe")} />
        </FoldInputs>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Group>
          <Button size="xs" onClick={() => void go()} loading={start.isPending}>Start walk-forward</Button>
        </Group>
        {(runs.data ?? []).length > 0 && (
          <Stack gap={2} aria-label="Options walk-forwards" role="list">
            {(runs.data ?? []).slice(0, 5).map((r) => (
              <Group gap="xs" key={r.id} role="listitem">
                <Anchor component={Link} to={walkForwardPage(r.id, "options")} fz="sm">Walk-forward #{r.id}</Anchor>
                <Text size="xs">{r.strategy_name} · {r.fold_count} folds × {r.variant_count} · {istDateTime(r.created_at)}</Text>
                <Badge size="xs" color={statusColor(r.status)} variant="outline">{statusWords(r.status)}</Badge>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
