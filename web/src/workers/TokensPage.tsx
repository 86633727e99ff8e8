// Worker tokens: create one with its modes, actions, templates and expiry (the secret is
// shown once, with a copy button), see them masked, revoke one.
import { Alert, Autocomplete, Badge, Button, Checkbox, Group, Modal, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { istDateTime } from "@/format";
import { CopyField } from "@/settings/CopyField";
import { SDK_ACCOUNT_SCOPE, type Token, useCreateToken, useRevokeToken, useTokens } from "./workerApi";
import { modeColor, modeWord } from "./words";
import { WorkersNav } from "./WorkersNav";

const MODES = [
  { value: "dry_run", label: "Dry run (nothing placed)" },
  { value: "paper", label: "Paper" },
  { value: "live", label: "Live (real orders at the broker)" },
];
const ACTIONS: { value: string; label: string }[] = [
  { value: "runs:create", label: "Create runs" },
  { value: "runs:read", label: "Read runs" },
  { value: "runs:log", label: "Log decisions" },
  { value: "intents:submit", label: "Place orders" },
  { value: "risk:update", label: "Change risk and protection" },
  { value: "runs:exit", label: "Exit runs" },
  { value: "heartbeat", label: "Heartbeat" },
  { value: "market:read", label: "Read market data" },
  { value: "market:stream", label: "Stream market data" },
  { value: "funds:read", label: "Read funds" },
  { value: "gtt:read", label: "Read GTTs" },
  { value: "gtt:write", label: "Write GTTs" },
  { value: "runs:progress", label: "Report progress" },
];
const DEFAULT_ACTIONS = ACTIONS.filter((a) => a.value !== "runs:progress").map((a) => a.value);
const SCOPES = [SDK_ACCOUNT_SCOPE];

function CreateToken({ onIssued }: { onIssued: (secret: string) => void }) {
  const create = useCreateToken();
  const [name, setName] = useState("");
  const [modes, setModes] = useState<string[]>(["paper", "dry_run"]);
  const [actions, setActions] = useState<string[]>(DEFAULT_ACTIONS);
  const [templates, setTemplates] = useState("");
  const [expires, setExpires] = useState("");
  const [scope, setScope] = useState(SDK_ACCOUNT_SCOPE);
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  const submit = async () => {
    const issued = await create.mutateAsync({
      name: name.trim(),
      account_scope: scope.trim(),
      allowed_modes: modes,
      allowed_actions: actions,
      allowed_templates: templates.split(",").map((t) => t.trim()).filter(Boolean),
      // A date means the end of that day in IST.
      expires_at: expires ? `${expires}T23:59:59+05:30` : null,
      metadata: {},
    });
    setName("");
    onIssued(issued.token);
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="New token">
      <form onSubmit={(e) => { e.preventDefault(); void submit().catch(() => {}); }}>
        <Stack gap="sm">
          <Title order={2} size="h4">New token</Title>
          <Group align="flex-start" grow>
            <TextInput label="Token name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fields.name} />
            <TextInput label="Expires on (optional)" type="date" value={expires} onChange={(e) => setExpires(e.currentTarget.value)} error={fields.expires_at} />
          </Group>
          <Autocomplete label="Account scope" data={SCOPES} value={scope} onChange={setScope} error={fields.account_scope}
            description="kite:paper-a is the SDK's default (a paper account); kite:<your Kite user id> for live" />
          <Checkbox.Group label="Modes it may run" value={modes} onChange={setModes} error={fields.allowed_modes}>
            <Group mt={4}>{MODES.map((m) => <Checkbox key={m.value} value={m.value} label={m.label} />)}</Group>
          </Checkbox.Group>
          <Checkbox.Group label="What it may do" value={actions} onChange={setActions} error={fields.allowed_actions}>
            <Group mt={4} gap="sm">{ACTIONS.map((a) => <Checkbox key={a.value} value={a.value} label={a.label} />)}</Group>
          </Checkbox.Group>
          <TextInput label="Templates it may run (comma-separated; empty: any)" value={templates}
            onChange={(e) => setTemplates(e.currentTarget.value)} error={fields.allowed_templates} placeholder="basic-equity, options" />
          {create.error && Object.keys(fields).length === 0 && <Alert color="red" role="alert">{create.error.message}</Alert>}
          <Group><Button type="submit" disabled={!name.trim() || !scope.trim() || modes.length === 0} loading={create.isPending}>Create token</Button></Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function Component() {
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [secret, setSecret] = useState<string | null>(null);
  const columns: Column<Token>[] = [
    { key: "name", header: "Name", render: (t) => t.name, value: (t) => t.name },
    { key: "token", header: "Token", render: (t) => <code>{t.masked_token}</code> },
    { key: "scope", header: "Account scope", render: (t) => <code>{t.account_scope}</code>, value: (t) => t.account_scope },
    { key: "modes", header: "Modes", render: (t) => t.allowed_modes.map((m) => <Badge key={m} variant="outline" color={modeColor(m)} mr={4}>{modeWord(m)}</Badge>) },
    { key: "actions", header: "Actions", render: (t) => `${t.allowed_actions.length} allowed` },
    { key: "templates", header: "Templates", render: (t) => (t.allowed_templates.length ? t.allowed_templates.join(", ") : "Any") },
    { key: "expires", header: "Expires (IST)", render: (t) => (t.expires_at ? istDateTime(t.expires_at) : "Never"), value: (t) => t.expires_at },
    { key: "used", header: "Last used (IST)", render: (t) => istDateTime(t.last_used_at), value: (t) => t.last_used_at },
    { key: "state", header: "State", render: (t) => (t.active ? "Active" : "Revoked") },
  ];
  return (
    <>
      <PageTitle>Algo workers</PageTitle>
      <WorkersNav />
      <Stack gap="lg">
        <CreateToken onIssued={setSecret} />
        <DataTable caption="Worker tokens" columns={columns} rows={tokens.data ?? []} rowKey={(t) => t.token_id} empty="No worker tokens yet."
          rowActions={(t) => t.active && (
            <ConfirmButton size="compact-xs" variant="default" label={`Revoke ${t.name}`} title={`Revoke ${t.name}?`} confirm="Revoke" danger
              body={<Text size="sm">Workers using it get “unauthorised” from now on; their runs stay on your desk.</Text>}
              onConfirm={() => revoke.mutateAsync(t.token_id)}>Revoke</ConfirmButton>
          )} />
      </Stack>
      <Modal opened={secret !== null} onClose={() => setSecret(null)} title="Your new worker token" closeButtonProps={{ "aria-label": "Close" }}>
        {secret && (
          <Stack gap="sm">
            <Text size="sm">Copy it now: it is shown once, and only its masked form afterwards. Give it to your worker as <code>KITE_ALGO_WORKER_TOKEN</code>.</Text>
            <CopyField label="New worker token" value={secret} />
            <Group justify="flex-end"><Button onClick={() => setSecret(null)}>Done</Button></Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
