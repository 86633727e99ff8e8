// Inbound webhooks beside the alerts: TradingView and Chartink place orders here through
// your risk rules. Create one (its secret or token is shown once, then only its encryption
// or digest is kept), switch it off or on, delete it, and read what it received.
import { Button, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { istDateTime, words } from "@/format";
import { Notice } from "@/orders/Notice";
import { CopyField } from "@/settings/CopyField";
import { HookTemplate } from "./HookTemplate";

type Hook = components["schemas"]["WebhookOut"];
type Created = components["schemas"]["WebhookCreated"];
type HookIn = components["schemas"]["WebhookIn"];

// A hook starts from its sender's template; Template edits it (HookTemplate).
const SENDERS: Record<string, string> = { tradingview: "TradingView", chartink: "Chartink" };

/** A new hook's body from the form: a token hook names the addresses it accepts. */
export function hookBody(form: { name: string; preset: string; auth: "hmac" | "token"; ips: string }): HookIn {
  const body: HookIn = { name: form.name.trim() || SENDERS[form.preset] || "Webhook", auth: form.auth };
  if (form.preset === "tradingview" || form.preset === "chartink") body.preset = form.preset;
  const ips = form.ips.split(/[\s,]+/).filter(Boolean);
  if (ips.length) body.allowed_ips = ips;
  return body;
}

function NewHook({ onClose, onCreated }: { onClose: () => void; onCreated: (made: Created) => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState({ name: "", preset: "tradingview", auth: "hmac" as "hmac" | "token", ips: "" });
  const save = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/webhooks", { body: hookBody(form) })),
    onSuccess: (made) => {
      void client.invalidateQueries({ queryKey: ["webhooks"] });
      onCreated(made);
    },
  });
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const general = save.error && Object.keys(fields).length === 0 ? save.error.message : null;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title="New webhook">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack gap="sm">
          <TextInput label="Name" value={form.name} autoComplete="off" error={fields.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          <NativeSelect label="Sender" value={form.preset}
            data={[{ value: "tradingview", label: "TradingView" }, { value: "chartink", label: "Chartink" }]}
            onChange={(e) => setForm({ ...form, preset: e.currentTarget.value })} />
          <NativeSelect label="Proof" value={form.auth}
            data={[{ value: "hmac", label: "Signed requests (HMAC-SHA256)" }, { value: "token", label: "A token and your sender's addresses (weaker)" }]}
            onChange={(e) => setForm({ ...form, auth: e.currentTarget.value as "hmac" | "token" })} />
          {form.auth === "token" && (
            <TextInput label="Addresses allowed" description="the sender's IP addresses or networks, comma-separated"
              value={form.ips} autoComplete="off" error={fields.allowed_ips ?? fields["allowed_ips.0"]}
              onChange={(e) => setForm({ ...form, ips: e.currentTarget.value })} />
          )}
          {Object.entries(fields).filter(([k]) => !["name", "allowed_ips", "allowed_ips.0"].includes(k)).map(([k, v]) => (
            <Notice key={k} role="alert" color="red">{v}</Notice>
          ))}
          {general && <Notice role="alert" color="red" title="Not saved">{general}</Notice>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Create webhook</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Log({ hook, onClose }: { hook: Hook; onClose: () => void }) {
  const log = useQuery({
    queryKey: ["webhooks", hook.id, "log"],
    queryFn: async () => unwrap(await api.GET("/api/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: hook.id } } })),
  });
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title={`What ${hook.name} received`} size="lg">
      {log.data?.length === 0 && <Text>Nothing received yet.</Text>}
      {!!log.data?.length && (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label={`Requests to ${hook.name}`}>
            <Table.Thead>
              <Table.Tr><Table.Th>Received</Table.Th><Table.Th>Outcome</Table.Th><Table.Th>Detail</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{istDateTime(d.received_at)}</Table.Td>
                  <Table.Td>{words(d.outcome)} ({d.status_code})</Table.Td>
                  <Table.Td>{d.detail ?? (d.order_ids.length ? `${d.order_ids.length} ${d.order_ids.length === 1 ? "order" : "orders"} placed` : "—")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Modal>
  );
}

export function WebhooksSection() {
  const client = useQueryClient();
  const hooks = useQuery({ queryKey: ["webhooks"], queryFn: async () => unwrap(await api.GET("/api/webhooks")) });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [reading, setReading] = useState<Hook | null>(null);
  const [editing, setEditing] = useState<Hook | null>(null);
  // a click deleted at once: the hook's log went, and every sender's alert pointing at it
  const [deleting, setDeleting] = useState<Hook | null>(null);
  // a signed hook's new secret: the old one is refused from the next request
  const [rotating, setRotating] = useState<Hook | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: ["webhooks"] });
  const patch = useMutation({
    mutationFn: async ({ id, enabled }: { id: number; enabled: boolean }) =>
      unwrap(await api.PATCH("/api/webhooks/{webhook_id}", { params: { path: { webhook_id: id } }, body: { enabled } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/webhooks/{webhook_id}", { params: { path: { webhook_id: id } } })),
    onSuccess: () => { refresh(); setDeleting(null); },
  });
  const rotate = useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/webhooks/{webhook_id}/rotate", { params: { path: { webhook_id: id } } })),
    onSuccess: (made) => { refresh(); setRotating(null); setCreated(made); },
  });
  const columns: Column<Hook>[] = [
    { key: "name", header: "Webhook", render: (h) => h.name, value: (h) => h.name, card: "title" },
    { key: "proof", header: "Proof", render: (h) => (h.auth === "hmac" ? "Signed" : `Token from ${h.allowed_ips.join(", ")}`), value: (h) => h.auth },
    { key: "mode", header: "Orders", render: (h) => (h.mode === "live" ? `Live (${h.broker ?? "your broker"})` : "Paper"), value: (h) => h.mode },
    { key: "created", header: "Created", drop: 1, render: (h) => istDateTime(h.created_at), value: (h) => h.created_at },
    { key: "status", header: "Status", render: (h) => (h.enabled ? "On" : "Off"), value: (h) => String(h.enabled), card: "aside" },
  ];
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  return (
    <>
      <Group justify="space-between" mt="lg" mb="xs">
        <Title order={3} size="h4">Webhooks</Title>
        <Button variant="default" onClick={() => { setCreated(null); setCreating(true); }}>New webhook</Button>
      </Group>
      <DataTable caption="Webhooks" columns={columns} rows={hooks.data ?? []} rowKey={(h) => h.id} phoneCards
        loading={hooks.isPending} empty="No webhooks: TradingView or Chartink can place orders here once you make one."
        rowActions={(h) => (
          <Group gap={4} wrap="nowrap">
            <Button size="compact-xs" variant="default" aria-label={`Log of ${h.name}`} onClick={() => setReading(h)}>Log</Button>
            <Button size="compact-xs" variant="default" aria-label={`Template of ${h.name}`} onClick={() => setEditing(h)}>Template</Button>
            <Button size="compact-xs" variant="default" aria-label={`${h.enabled ? "Switch off" : "Switch on"} ${h.name}`}
              onClick={() => patch.mutate({ id: h.id, enabled: !h.enabled })}>{h.enabled ? "Switch off" : "Switch on"}</Button>
            {h.auth === "hmac" && (
              <Button size="compact-xs" variant="default" aria-label={`New secret for ${h.name}`} onClick={() => { rotate.reset(); setRotating(h); }}>New secret</Button>
            )}
            <Button size="compact-xs" variant="default" color="red" aria-label={`Delete ${h.name}`} onClick={() => { remove.reset(); setDeleting(h); }}>Delete</Button>
          </Group>
        )}
      />
      {creating && !created && <NewHook onClose={() => setCreating(false)} onCreated={setCreated} />}
      {created && (
        <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={() => { setCreated(null); setCreating(false); }} title={`${created.name} is ready`}>
          <Stack gap="sm">
            <CopyField label="URL" value={`${origin}${created.url_path}`} />
            <CopyField label={created.auth === "hmac" ? "Signing secret" : "Token (X-TraderTape-Token)"} value={created.secret} />
            <Text size="sm">
              {created.auth === "hmac"
                ? "Sign each request: X-TraderTape-Timestamp (unix seconds) and X-TraderTape-Signature: sha256= the HMAC-SHA256 of timestamp.body with this secret."
                : "Send this token in the X-TraderTape-Token header, from the addresses you named."}
              {" "}It is shown this once.
            </Text>
          </Stack>
        </Modal>
      )}
      {reading && <Log hook={reading} onClose={() => setReading(null)} />}
      {editing && <HookTemplate hook={editing} onClose={() => setEditing(null)} />}
      {rotating && (
        <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={() => setRotating(null)} title="New signing secret">
          <Stack gap="sm">
            <Text>Give “{rotating.name}” a new signing secret? Requests signed with the old one are refused from now on: put the new secret in the sender (TradingView, Chartink) before its next alert.</Text>
            {rotate.error && <Notice role="alert" color="red">{rotate.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRotating(null)}>Keep the old one</Button>
              <Button loading={rotate.isPending} onClick={() => rotate.mutate(rotating.id)}>Make a new secret</Button>
            </Group>
          </Stack>
        </Modal>
      )}
      {deleting && (
        <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={() => setDeleting(null)} title="Delete webhook">
          <Stack gap="sm">
            <Text>Delete “{deleting.name}” and its log? Its URL stops answering at once: the alerts that send to it place nothing.</Text>
            {remove.error && <Notice role="alert" color="red">{remove.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>Keep</Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting.id)}>Delete webhook</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
