// AI assistant keys (the MCP server's credential): each with one scope fixed when it is made
// (read; paper orders; live orders that wait for your click), shown once, revocable.
import { Alert, Button, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { istDateTime } from "@/format";
import { Revoke, ShownOnce } from "./KeysSection";

type AssistantKey = components["schemas"]["AssistantKeyOut"];
type Confirmation = components["schemas"]["ConfirmationOut"];
type Scope = "read" | "paper" | "live";

const SCOPES: { value: Scope; label: string }[] = [
  { value: "read", label: "Read only" },
  { value: "paper", label: "Read and paper orders" },
  { value: "live", label: "Read, paper and live orders (each live order waits for your confirmation)" },
];

function orderLine(order: Confirmation["order"]): string {
  const o = order as Record<string, unknown>;
  const price = o.price ? ` at ₹${String(o.price)}` : "";
  return `${String(o.transaction_type)} ${String(o.quantity)} ${String(o.exchange)}:${String(o.tradingsymbol)} ${String(o.order_type)} ${String(o.product)}${price}`;
}

// Live orders an assistant asked for: nothing is placed until you confirm here.
export function AssistantConfirmations() {
  const client = useQueryClient();
  const pending = useQuery({
    queryKey: ["assistant-confirmations"],
    queryFn: async () => unwrap(await api.GET("/api/assistant/confirmations")),
    refetchInterval: 5000,
  });
  const done = () => client.invalidateQueries({ queryKey: ["assistant-confirmations"] });
  const confirm = useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/assistant/confirmations/{confirmation_id}/confirm", { params: { path: { confirmation_id: id } } })),
    onSettled: done,
  });
  const decline = useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/assistant/confirmations/{confirmation_id}/decline", { params: { path: { confirmation_id: id } } })),
    onSettled: done,
  });
  const columns: Column<Confirmation>[] = [
    { key: "asked", header: "Asked (IST)", render: (c) => istDateTime(c.created_at) },
    { key: "key", header: "Assistant key", render: (c) => c.key_name },
    { key: "order", header: "Live order", render: (c) => orderLine(c.order) },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">Live orders waiting for your confirmation</Title>
      {confirm.error && <Alert color="red">{confirm.error.message}</Alert>}
      <DataTable caption="Live orders waiting for your confirmation" columns={columns} rows={pending.data ?? []}
        rowKey={(c) => c.id} empty="Nothing waiting."
        rowActions={(c) => (
          <Group gap={4} wrap="nowrap">
            <Button size="compact-xs" color="red" loading={confirm.isPending} aria-label={`Confirm live order ${c.id}`}
              onClick={() => confirm.mutate(c.id)}>Confirm and place</Button>
            <Button size="compact-xs" variant="default" loading={decline.isPending} aria-label={`Decline live order ${c.id}`}
              onClick={() => decline.mutate(c.id)}>Decline</Button>
          </Group>
        )} />
    </Stack>
  );
}

export function AssistantKeysSection() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ["assistant-keys"], queryFn: async () => unwrap(await api.GET("/api/assistant/keys")) });
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("read");
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/assistant/keys", { body: { name: name.trim(), scope } })),
    onSuccess: async (issued) => { setSecret(issued.api_key); setName(""); await client.invalidateQueries({ queryKey: ["assistant-keys"] }); },
  });
  const revoke = useMutation({
    mutationFn: async (id: number) => unwrap(await api.POST("/api/assistant/keys/{key_id}/revoke", { params: { path: { key_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["assistant-keys"] }),
  });
  const fieldError = create.error instanceof ApiError ? create.error.fields.name : undefined;
  const columns: Column<AssistantKey>[] = [
    { key: "name", header: "Name", render: (k) => k.name, value: (k) => k.name },
    { key: "key", header: "Key", render: (k) => <code>{k.masked_key}</code> },
    { key: "scope", header: "Scope", render: (k) => k.scope },
    { key: "used", header: "Last used (IST)", render: (k) => istDateTime(k.last_used_at) },
    { key: "state", header: "State", render: (k) => (k.active ? "Active" : "Revoked") },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">AI assistant keys</Title>
      <Text size="sm" c="dimmed">
        For Claude and other MCP clients (docs/mcp.md). The scope is fixed when you create a key: the assistant cannot
        widen it, change your risk rules or the kill switch, or switch paper to live.
      </Text>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
        <Group align="flex-end" gap="xs">
          <TextInput label="Assistant key name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError} />
          <Select label="Scope" data={SCOPES} value={scope} allowDeselect={false}
            onChange={(v) => setScope((v as Scope | null) ?? "read")} w={360} />
          <Button type="submit" disabled={!name.trim()} loading={create.isPending}>Create assistant key</Button>
        </Group>
        {create.error && !fieldError && <Alert color="red" mt="xs">{create.error.message}</Alert>}
      </form>
      <DataTable caption="AI assistant keys" columns={columns} rows={keys.data ?? []} rowKey={(k) => k.id} empty="No assistant keys."
        rowActions={(k) => k.active && <Revoke what={`assistant key ${k.name}`} pending={revoke.isPending} onConfirm={() => revoke.mutate(k.id)} />} />
      <ShownOnce label="assistant key" secret={secret} onDone={() => setSecret(null)} />
    </Stack>
  );
}
