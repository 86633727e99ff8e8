// The worker's risk controls (its `risk_schema`): each value editable; a save merges the
// change into the run's risk (the worker reads it back on its next step).
import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/api/errors";
import { words } from "@/format";
import { type Run, usePatchRisk } from "./workerApi";

function parsed(text: string): unknown {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

export function RiskPanel({ run }: { run: Run }) {
  const patch = usePatchRisk(run.id);
  const risk = (run.runtime_state.risk as Record<string, unknown> | undefined) ?? {};
  const fields = run.risk_schema.length
    ? run.risk_schema.map((f) => ({ key: String(f.key), label: String(f.label ?? words(String(f.key))) }))
    : Object.keys(risk).map((k) => ({ key: k, label: words(k) }));
  const [values, setValues] = useState<Record<string, string>>({});
  const [newKey, setNewKey] = useState("");
  const [newValue, setNewValue] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const fieldErrors = patch.error instanceof ApiError ? patch.error.fields : {};
  const save = async () => {
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, parsed(v)]));
    if (newKey.trim()) body[newKey.trim()] = parsed(newValue);
    await patch.mutateAsync({ patch: body, reason: "changed on the desk" });
    setValues({});
    setNewKey("");
    setNewValue("");
    setDone(`Risk updated: ${Object.keys(body).map((k) => words(k)).join(", ")}.`);
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="Risk">
      <form onSubmit={(e) => { e.preventDefault(); void save().catch(() => {}); }}>
        <Stack gap="sm">
          <Title order={2} size="h4">Risk</Title>
          {fields.length === 0 && <Text size="sm" c="dimmed">The worker declared no risk controls; add one below.</Text>}
          <Group align="flex-start" gap="xs">
            {fields.map((f) => (
              <TextInput key={f.key} label={f.label} w={160} value={values[f.key] ?? String(risk[f.key] ?? "")}
                onChange={(e) => setValues({ ...values, [f.key]: e.currentTarget.value })} error={fieldErrors[`patch.${f.key}`]} />
            ))}
          </Group>
          <Group align="flex-start" gap="xs">
            <TextInput label="New control" w={160} value={newKey} onChange={(e) => setNewKey(e.currentTarget.value)} placeholder="max_loss" />
            <TextInput label="Its value" w={120} value={newValue} onChange={(e) => setNewValue(e.currentTarget.value)} />
          </Group>
          {patch.error && <Alert color="red" role="alert">{patch.error.message}</Alert>}
          {done && <Text size="sm" role="status">{done}</Text>}
          <Group><Button type="submit" variant="default" loading={patch.isPending}
            disabled={run.status !== "open" || (Object.keys(values).length === 0 && !newKey.trim())}>Update risk</Button></Group>
        </Stack>
      </form>
    </Paper>
  );
}
