// Telegram link (ask for a code, then confirm it), sessions, paper funds and notifications.
import { Alert, Badge, Button, Group, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { inr, istDateTime } from "@/format";

type Session = components["schemas"]["SessionOut"];
type Notification = components["schemas"]["NotificationOut"];

export function TelegramSection() {
  const client = useQueryClient();
  const key = ["telegram-link"];
  const status = useQuery({ queryKey: key, queryFn: async () => unwrap(await api.GET("/api/telegram/link")) });
  const [chat, setChat] = useState("");
  const [code, setCode] = useState("");
  const ask = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/telegram/link", { body: { chat_id: Number(chat) } })),
    onSuccess: (s) => client.setQueryData(key, s),
  });
  const confirm = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/telegram/link/confirm", { body: { code } })),
    onSuccess: (s) => { client.setQueryData(key, s); setCode(""); },
  });
  const unlink = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/telegram/link")),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
  const s = status.data;
  const askErr = ask.error instanceof ApiError ? ask.error.fields.chat_id : undefined;
  const codeErr = confirm.error instanceof ApiError ? confirm.error.fields.code : undefined;
  return (
    <Stack gap="sm" maw={520}>
      <Title order={2} size="h4">Telegram</Title>
      {s && <Text size="sm">Status: <Badge color={s.linked ? "teal" : "gray"}>{s.status}</Badge>{s.linked && s.chat_id ? ` (chat ${s.chat_id}, since ${istDateTime(s.linked_at)})` : ""}</Text>}
      {s && !s.bot_configured && <Alert color="yellow">This server has no Telegram bot configured, so no code can be sent yet.</Alert>}
      {s?.linked ? (
        <Button variant="default" w="fit-content" loading={unlink.isPending} onClick={() => unlink.mutate()}>Unlink Telegram</Button>
      ) : (
        <>
          <form onSubmit={(e) => { e.preventDefault(); ask.mutate(); }}>
            <Group align="flex-end" gap="xs">
              <TextInput label="Step 1: your Telegram chat id" inputMode="numeric" value={chat}
                onChange={(e) => setChat(e.currentTarget.value)} error={askErr} />
              <Button type="submit" disabled={!chat.trim()} loading={ask.isPending}>Send me a code</Button>
            </Group>
            {ask.error && !askErr && <Alert color="red" mt="xs">{ask.error.message}</Alert>}
          </form>
          <form onSubmit={(e) => { e.preventDefault(); confirm.mutate(); }}>
            <Group align="flex-end" gap="xs">
              <TextInput label="Step 2: the code the bot sent" value={code} maxLength={8}
                onChange={(e) => setCode(e.currentTarget.value)} error={codeErr} disabled={s?.status !== "pending"} />
              <Button type="submit" disabled={code.trim().length !== 8} loading={confirm.isPending}>Confirm</Button>
            </Group>
            {confirm.error && !codeErr && <Alert color="red" mt="xs">{confirm.error.message}</Alert>}
          </form>
        </>
      )}
    </Stack>
  );
}

export function SessionsSection() {
  const client = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: async () => unwrap(await api.GET("/api/auth/sessions")) });
  const revoke = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["sessions"] }),
  });
  const columns: Column<Session>[] = [
    { key: "created", header: "Signed in (IST)", render: (s) => istDateTime(s.created_at), value: (s) => s.created_at },
    { key: "seen", header: "Last seen (IST)", render: (s) => istDateTime(s.last_seen_at), value: (s) => s.last_seen_at },
    { key: "ip", header: "IP", render: (s) => s.ip ?? "—" },
    { key: "agent", header: "Browser", render: (s) => <Text size="xs" lineClamp={1} maw={280}>{s.user_agent ?? "—"}</Text> },
    { key: "current", header: "This one", render: (s) => (s.current ? "Yes" : "") },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">Sessions</Title>
      <DataTable caption="Sessions" columns={columns} rows={sessions.data ?? []} rowKey={(s) => s.id}
        rowActions={(s) => !s.current && (
          <Button size="compact-xs" variant="default" aria-label={`Revoke session ${s.id}`}
            loading={revoke.isPending} onClick={() => revoke.mutate(s.id)}>Revoke</Button>
        )} />
    </Stack>
  );
}

export function FundsSection() {
  const [amount, setAmount] = useState("");
  const [asking, setAsking] = useState(false);
  const client = useQueryClient();
  const add = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/portfolio/funds", { body: { amount: amount.trim() } })),
    onSuccess: async () => { setAsking(false); setAmount(""); await client.invalidateQueries(); },
  });
  const err = add.error instanceof ApiError ? add.error.fields.amount : undefined;
  return (
    <Stack gap="sm" maw={520}>
      <Title order={2} size="h4">Paper funds</Title>
      <Text size="sm">Add money to the paper account (no real money moves).</Text>
      <form onSubmit={(e) => { e.preventDefault(); setAsking(true); }}>
        <Group align="flex-end" gap="xs">
          <TextInput label="Amount (₹)" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={err} />
          <Button type="submit" disabled={!amount.trim()}>Add funds</Button>
        </Group>
      </form>
      {add.error && !err && <Alert color="red">{add.error.message}</Alert>}
      {add.isSuccess && <Alert color="teal">Funds added.</Alert>}
      <Modal opened={asking} onClose={() => setAsking(false)} title="Add paper funds?">
        <Text size="sm" mb="md">Add <Money value={amount.trim()} /> to the paper account?</Text>
        {add.error && <Alert color="red" mb="sm">{add.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
          <Button loading={add.isPending} onClick={() => add.mutate()}>Add {inr(amount.trim())}</Button>
        </Group>
      </Modal>
    </Stack>
  );
}

export function NotificationsSection() {
  const list = useQuery({ queryKey: ["notifications"], queryFn: async () => unwrap(await api.GET("/api/notifications")) });
  const columns: Column<Notification>[] = [
    { key: "at", header: "When (IST)", render: (n) => istDateTime(n.created_at), value: (n) => n.created_at },
    { key: "kind", header: "Kind", render: (n) => n.kind, value: (n) => n.kind },
    { key: "text", header: "Message", render: (n) => n.text },
    { key: "sent", header: "Delivered", render: (n) => (n.delivered_at ? istDateTime(n.delivered_at) : "Not yet") },
  ];
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">Notifications</Title>
      <DataTable caption="Notifications" columns={columns} rows={list.data ?? []} rowKey={(n) => n.id} empty="No notifications yet." />
    </Stack>
  );
}
