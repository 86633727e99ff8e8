// Agent keys and worker tokens: a new secret is shown once, with a copy button, and only
// its masked form afterwards; revoke with a confirmation.
import { Alert, Button, Group, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { istDateTime } from "@/format";
import { CopyField } from "./CopyField";
import { SDK_ACCOUNT_SCOPE } from "@/workers/workerApi";

type AgentKey = components["schemas"]["AgentKeyOut"];
type WorkerToken = components["schemas"]["WorkerTokenOut"];

export function ShownOnce({ label, secret, onDone }: { label: string; secret: string | null; onDone: () => void }) {
  return (
    <Modal opened={secret !== null} onClose={onDone} title={`Your new ${label}`}>
      {secret && (
        <Stack gap="sm">
          <Text size="sm">Copy it now: it is shown once and only its masked form afterwards.</Text>
          <CopyField label={`New ${label}`} value={secret} />
          <Group justify="flex-end"><Button onClick={onDone}>Done</Button></Group>
        </Stack>
      )}
    </Modal>
  );
}

export function Revoke({ what, onConfirm, pending }: { what: string; onConfirm: () => void; pending: boolean }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button size="compact-xs" variant="default" aria-label={`Revoke ${what}`} onClick={() => setAsking(true)}>Revoke</Button>
      <Modal opened={asking} onClose={() => setAsking(false)} title={`Revoke ${what}?`}>
        <Text size="sm" mb="md">Anything using it stops working at once.</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
          <Button color="red" loading={pending} onClick={() => { onConfirm(); setAsking(false); }}>Revoke</Button>
        </Group>
      </Modal>
    </>
  );
}

function Regenerate({ what, onConfirm, pending }: { what: string; onConfirm: () => void; pending: boolean }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button size="compact-xs" variant="default" aria-label={`Regenerate ${what}`} onClick={() => setAsking(true)}>Regenerate</Button>
      <Modal opened={asking} onClose={() => setAsking(false)} title={`Regenerate ${what}?`}>
        <Text size="sm" mb="md">The old key stops working at once; give the new one to <code>tradertape-agent configure</code>.</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
          <Button loading={pending} onClick={() => { onConfirm(); setAsking(false); }}>Regenerate</Button>
        </Group>
      </Modal>
    </>
  );
}

function CreateForm({ label, onCreate, pending, error }: { label: string; onCreate: (name: string) => void; pending: boolean; error: Error | null }) {
  const [name, setName] = useState("");
  const fieldError = error instanceof ApiError ? error.fields.name : undefined;
  return (
    <form onSubmit={(e) => { e.preventDefault(); onCreate(name.trim()); setName(""); }}>
      <Group align="flex-end" gap="xs">
        <TextInput label={`${label} name`} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError} />
        <Button type="submit" disabled={!name.trim()} loading={pending}>Create {label}</Button>
      </Group>
      {error && !fieldError && <Alert color="red" mt="xs">{error.message}</Alert>}
    </form>
  );
}

export function AgentKeysSection() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ["agent-keys"], queryFn: async () => unwrap(await api.GET("/api/agent/keys")) });
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/agent/keys", { body: { name } })),
    onSuccess: async (issued) => { setSecret(issued.api_key); await client.invalidateQueries({ queryKey: ["agent-keys"] }); },
  });
  const revoke = useMutation({
    mutationFn: async (id: number) => unwrap(await api.POST("/api/agent/keys/{key_id}/revoke", { params: { path: { key_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["agent-keys"] }),
  });
  const regenerate = useMutation({
    mutationFn: async (id: number) => unwrap(await api.POST("/api/agent/keys/{key_id}/regenerate", { params: { path: { key_id: id } } })),
    onSuccess: async (issued) => { setSecret(issued.api_key); await client.invalidateQueries({ queryKey: ["agent-keys"] }); },
  });
  const columns: Column<AgentKey>[] = [
    { key: "name", header: "Name", render: (k) => k.name, value: (k) => k.name },
    { key: "key", header: "Key", render: (k) => <code>{k.masked_key}</code> },
    { key: "scopes", header: "Scopes", render: (k) => k.scopes.join(", ") },
    { key: "used", header: "Last used (IST)", render: (k) => istDateTime(k.last_used_at) },
    { key: "state", header: "State", render: (k) => (k.active ? "Active" : "Revoked") },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">Agent keys</Title>
      <CreateForm label="agent key" onCreate={(n) => create.mutate(n)} pending={create.isPending} error={create.error} />
      <DataTable caption="Agent keys" columns={columns} rows={keys.data ?? []} rowKey={(k) => k.id} empty="No agent keys."
        rowActions={(k) => k.active && (
          <Group gap={4} wrap="nowrap">
            <Regenerate what={`agent key ${k.name}`} pending={regenerate.isPending} onConfirm={() => regenerate.mutate(k.id)} />
            <Revoke what={`agent key ${k.name}`} pending={revoke.isPending} onConfirm={() => revoke.mutate(k.id)} />
          </Group>
        )} />
      <ShownOnce label="agent key" secret={secret} onDone={() => setSecret(null)} />
    </Stack>
  );
}

export function WorkerTokensSection() {
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: ["worker-tokens"], queryFn: async () => unwrap(await api.GET("/api/algo-workers/tokens")) });
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/algo-workers/tokens", { body: { name, account_scope: SDK_ACCOUNT_SCOPE } })),
    onSuccess: async (issued) => { setSecret(issued.token); await client.invalidateQueries({ queryKey: ["worker-tokens"] }); },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/algo-workers/tokens/{token_id}/revoke", { params: { path: { token_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["worker-tokens"] }),
  });
  const columns: Column<WorkerToken>[] = [
    { key: "name", header: "Name", render: (t) => t.name, value: (t) => t.name },
    { key: "token", header: "Token", render: (t) => <code>{t.masked_token}</code> },
    { key: "scope", header: "Account", render: (t) => t.account_scope },
    { key: "modes", header: "Modes", render: (t) => t.allowed_modes.join(", ") },
    { key: "used", header: "Last used (IST)", render: (t) => istDateTime(t.last_used_at) },
    { key: "state", header: "State", render: (t) => (t.active ? "Active" : "Revoked") },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">Worker tokens</Title>
      <CreateForm label="worker token" onCreate={(n) => create.mutate(n)} pending={create.isPending} error={create.error} />
      <DataTable caption="Worker tokens" columns={columns} rows={tokens.data ?? []} rowKey={(t) => t.token_id} empty="No worker tokens."
        rowActions={(t) => t.active && <Revoke what={`worker token ${t.name}`} pending={revoke.isPending} onConfirm={() => revoke.mutate(t.token_id)} />} />
      <ShownOnce label="worker token" secret={secret} onDone={() => setSecret(null)} />
    </Stack>
  );
}
