// The run's backend protection: its state now, and an editor for the document (a new
// generation on save). The API validates; its 422 shows on the field it names.
import { Alert, Badge, Button, Checkbox, Group, Paper, Select, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { ApiError } from "@/api/errors";
import { istDateTime, words } from "@/format";
import { emptyPosition, formErrors, fromDocument, type PositionDraft, type ProtectionDraft, toDocument } from "./protectionForm";
import { type BackendProtection, type Run, useUpdateProtection } from "./workerApi";

function stateOf(run: Run): Record<string, unknown> {
  return (run.runtime_state.backend_protection_state as Record<string, unknown> | undefined) ?? {};
}

function PositionRow({ index, value, errors, onChange, onRemove }: {
  index: number; value: PositionDraft; errors: Record<string, string>;
  onChange: (p: PositionDraft) => void; onRemove: () => void;
}) {
  const err = (k: string) => errors[`positions.${index}.${k}`];
  const set = (k: keyof PositionDraft) => (v: string | null) => onChange({ ...value, [k]: v ?? "" });
  const text = (k: keyof PositionDraft, label: string, w = 110) => (
    <TextInput label={label} w={w} value={value[k]} error={err(k)} onChange={(e) => set(k)(e.currentTarget.value)} />
  );
  return (
    <fieldset style={{ border: 0, padding: 0, margin: 0 }} aria-label={`Protected position ${index + 1}`}>
      <Group align="flex-start" gap="xs" wrap="wrap">
        {text("symbol", "Symbol", 150)}
        <Select label="Product" w={90} data={["CNC", "MIS", "NRML"]} value={value.product} onChange={set("product")} error={err("product")} allowDeselect={false} />
        <Select label="Side" w={90} data={["BUY", "SELL"]} value={value.side} onChange={set("side")} error={err("side")} allowDeselect={false} />
        {text("quantity", "Quantity", 90)}
        {text("entry_price", "Entry price")}
        {text("stoploss_pct", "Stop loss %", 100)}
        {text("target_pct", "Target %", 90)}
        {text("trailing_stoploss_pct", "Trailing stop %", 120)}
        <Button variant="subtle" color="gray" mt={24} onClick={onRemove} aria-label={`Remove protected position ${index + 1}`}>Remove</Button>
      </Group>
    </fieldset>
  );
}

export function ProtectionPanel({ run }: { run: Run }) {
  const update = useUpdateProtection(run.id);
  const stored = run.runtime_state.backend_protection as BackendProtection | undefined;
  const [draft, setDraft] = useState<ProtectionDraft>(() => fromDocument(stored));
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setDraft(fromDocument(stored)), [stored]);
  const errors = update.error instanceof ApiError ? formErrors(update.error.fields) : {};
  const state = stateOf(run);
  const finished = run.status !== "open";
  const save = async () => {
    setSaved(null);
    const answer = await update.mutateAsync({ backend_protection: toDocument(draft), reason: "edited on the desk" });
    const next = (answer.runtime_state.backend_protection_state as Record<string, unknown> | undefined)?.version;
    setSaved(`Saved: protection version ${String(next ?? "")}.`);
  };
  const setPosition = (i: number, p: PositionDraft) => setDraft({ ...draft, positions: draft.positions.map((q, j) => (j === i ? p : q)) });
  return (
    <Paper withBorder p="md" component="section" aria-label="Backend protection">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">Backend protection</Title>
          <Group gap="xs">
            <Badge variant="outline" color={state.status === "triggered" ? "red.8" : state.status === "active" ? "teal.9" : "gray.7"}>{words(String(state.status ?? "none"))}</Badge>
            {state.version !== undefined && <Text size="xs" c="dimmed">version {String(state.version)} · generation {String(state.generation ?? "")}</Text>}
          </Group>
        </Group>
        {Boolean(state.triggered_rule) && (
          <Alert color="red" title="Triggered">{words(String(state.triggered_rule))} at {istDateTime(String(state.triggered_at ?? ""))}{state.exit_submitted ? "; the exit was sent" : ""}</Alert>
        )}
        <form onSubmit={(e) => { e.preventDefault(); void save().catch(() => {}); }}>
          <Stack gap="sm">
            <Switch label="Protection on" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} disabled={finished} />
            <Text size="sm" fw={600}>Positions</Text>
            {draft.positions.length === 0 && <Text size="sm" c="dimmed">No position-level stops.</Text>}
            {draft.positions.map((p, i) => (
              <PositionRow key={i} index={i} value={p} errors={errors} onChange={(q) => setPosition(i, q)}
                onRemove={() => setDraft({ ...draft, positions: draft.positions.filter((_, j) => j !== i) })} />
            ))}
            <Group><Button variant="default" size="xs" onClick={() => setDraft({ ...draft, positions: [...draft.positions, emptyPosition()] })}>Add position</Button></Group>
            <Text size="sm" fw={600}>Whole run</Text>
            <Group align="flex-start" gap="xs">
              <TextInput label="Basket stop loss %" w={150} value={draft.basket.stoploss_pct} error={errors["basket.stoploss_pct"]}
                onChange={(e) => setDraft({ ...draft, basket: { ...draft.basket, stoploss_pct: e.currentTarget.value } })} />
              <TextInput label="Basket target %" w={150} value={draft.basket.target_pct} error={errors["basket.target_pct"]}
                onChange={(e) => setDraft({ ...draft, basket: { ...draft.basket, target_pct: e.currentTarget.value } })} />
              <TextInput label="Worker stale after (s)" w={170} value={draft.operations.worker_stale_sec} error={errors["operations.worker_stale_sec"]}
                onChange={(e) => setDraft({ ...draft, operations: { ...draft.operations, worker_stale_sec: e.currentTarget.value } })} />
              <Checkbox mt={30} label="Exit when the worker goes stale" checked={draft.operations.exit_on_worker_stale}
                onChange={(e) => setDraft({ ...draft, operations: { ...draft.operations, exit_on_worker_stale: e.currentTarget.checked } })} />
            </Group>
            {update.error && <Alert color="red" role="alert">Not saved: {update.error.message}</Alert>}
            {saved && <Text size="sm" role="status">{saved}</Text>}
            <Group><Button type="submit" loading={update.isPending} disabled={finished}>Save protection</Button></Group>
          </Stack>
        </form>
      </Stack>
    </Paper>
  );
}
