// Alerts: your rules (each in words, on a symbol or a watchlist, how often, its order) and
// the history of their fires with the price that fired them; a held order is approved or
// dismissed here (or on Telegram); below them, the inbound webhooks (`WebhooksSection`).
// `?symbol=NSE:INFY` opens a new alert on it (the chart's and the market watch's buttons).
import { Button, Group, Modal, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { InstrumentName } from "@/components/InstrumentName";
import { PageTitle } from "@/components/PageTitle";
import { inr, instrumentLabel, istDateTime, qty, words } from "@/format";
import { useWatchlists } from "@/market/useWatchlists";
import { Notice } from "@/orders/Notice";
import { AlertDialog } from "./AlertDialog";
import { WebhooksSection } from "./WebhooksSection";
import { type AlertForm, conditionWords, initialAlert } from "./alertForm";

type Alert = components["schemas"]["AlertOut"];
type Fire = components["schemas"]["AlertFireOut"];

const ORDER_WORDS: Record<string, string> = {
  none: "No order",
  awaiting: "Waiting for your approval",
  placing: "Placing",
  placed: "Order placed",
  rejected: "Order rejected",
  refused: "Order refused",
  dismissed: "Dismissed",
  expired: "Expired unapproved",
  failed: "Basket not placed",
  partial: "Basket partly placed",
  unwound: "Basket stopped and unwound",
};

function orderWords(alert: Alert): string {
  const order = alert.order as { transaction_type?: string; quantity?: number; legs?: unknown[] } | null;
  if (!order) return "—";
  const then = alert.order_action === "confirm" ? `after approval (${alert.confirm_within_mins} min)` : "at once";
  if (order.legs) return `Basket of ${order.legs.length} legs, ${then}`;
  const side = order.transaction_type === "SELL" ? "Sell" : "Buy";
  return `${side} ${qty(order.quantity ?? Number.NaN)}, ${then}`;
}

export function Component() {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const asked = params.get("symbol");
  const [creating, setCreating] = useState<AlertForm | null>(asked ? initialAlert(asked) : null);
  const [deleting, setDeleting] = useState<Alert | null>(null);
  const lists = useWatchlists();
  const alerts = useQuery({ queryKey: ["alerts", "list"], queryFn: async () => unwrap(await api.GET("/api/alerts")), refetchInterval: 10_000 });
  const fires = useQuery({ queryKey: ["alerts", "fires"], queryFn: async () => unwrap(await api.GET("/api/alerts/fires")), refetchInterval: 5_000 });
  const refresh = () => void client.invalidateQueries({ queryKey: ["alerts"] });
  const patch = useMutation({
    mutationFn: async ({ id, status }: { id: number; status: "active" | "paused" }) =>
      unwrap(await api.PATCH("/api/alerts/{alert_id}", { params: { path: { alert_id: id } }, body: { status } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/alerts/{alert_id}", { params: { path: { alert_id: id } } })),
    onSuccess: () => { refresh(); setDeleting(null); },
  });
  const decide = useMutation({
    mutationFn: async ({ id, approve }: { id: number; approve: boolean }) =>
      unwrap(approve
        ? await api.POST("/api/alerts/fires/{fire_id}/confirm", { params: { path: { fire_id: id } } })
        : await api.POST("/api/alerts/fires/{fire_id}/dismiss", { params: { path: { fire_id: id } } })),
    onSettled: refresh,
  });
  const listName = (id: number | null | undefined) => (lists.data ?? []).find((l) => l.id === id)?.name ?? "a watchlist";
  const names = new Map((alerts.data ?? []).map((a) => [a.id, a.name]));
  const on = (a: Alert) => (a.symbol ? <InstrumentName symbol={a.symbol} /> : <span>{listName(a.watchlist_id)}</span>);

  const alertColumns: Column<Alert>[] = [
    { key: "name", header: "Alert", render: (a) => a.name, value: (a) => a.name, card: "title" },
    { key: "on", header: "On", render: on, value: (a) => a.symbol ?? listName(a.watchlist_id) },
    { key: "rule", header: "When", render: (a) => conditionWords(a.condition), value: (a) => conditionWords(a.condition) },
    { key: "judged", header: "Judged on", drop: 2, render: (a) => (a.timeframe === "day" ? "The day's close" : "Every tick"), value: (a) => a.timeframe },
    { key: "repeat", header: "How often", drop: 1, render: (a) => (a.repeat === "once" ? "Once" : `Every time, ${Math.round(a.cooldown_secs / 60)} min apart`), value: (a) => a.repeat },
    { key: "order", header: "Order", render: orderWords, value: orderWords },
    { key: "last", header: "Last fired", drop: 3, render: (a) => (a.last_fired_at ? istDateTime(a.last_fired_at) : "—"), value: (a) => a.last_fired_at ?? "" },
    { key: "status", header: "Status", render: (a) => words(a.status), value: (a) => a.status, card: "aside" },
  ];
  const fireColumns: Column<Fire>[] = [
    { key: "at", header: "Fired at", render: (f) => istDateTime(f.fired_at), value: (f) => f.fired_at },
    { key: "alert", header: "Alert", render: (f) => names.get(f.alert_id) ?? "—", value: (f) => names.get(f.alert_id) ?? "", card: "title" },
    { key: "symbol", header: "Instrument", render: (f) => <InstrumentName symbol={f.symbol} />, value: (f) => f.symbol, card: "title" },
    { key: "price", header: "Price", numeric: true, render: (f) => inr(f.price), value: (f) => Number(f.price), card: "aside" },
    {
      key: "order", header: "Order",
      render: (f) => (
        <Stack gap={0}>
          <span>{ORDER_WORDS[f.order_status] ?? words(f.order_status)}</span>
          {f.order_status === "awaiting" && f.expires_at && <Text size="xs" c="dimmed">until {istDateTime(f.expires_at)}</Text>}
          {f.order_message && <Text size="xs" c="dimmed">{f.order_message}</Text>}
        </Stack>
      ),
      value: (f) => f.order_status,
    },
  ];
  return (
    <>
      <PageTitle actions={<Button onClick={() => setCreating(initialAlert())}>New alert</Button>}>Alerts</PageTitle>
      {alerts.error && <Notice role="alert" color="red" mb="sm">{alerts.error.message}</Notice>}
      {decide.error && <Notice role="alert" color="red" mb="sm">{decide.error.message}</Notice>}
      <DataTable caption="Alerts" columns={alertColumns} rows={alerts.data ?? []} rowKey={(a) => a.id} csvName="alerts" phoneCards
        loading={alerts.isPending} empty="No alerts yet: create one here, from a chart or from the market watch."
        rowActions={(a) => (
          <Group gap={4} wrap="nowrap">
            {a.status === "active" ? (
              <Button size="compact-xs" variant="default" aria-label={`Pause ${a.name}`} onClick={() => patch.mutate({ id: a.id, status: "paused" })}>Pause</Button>
            ) : (
              <Button size="compact-xs" variant="default" aria-label={`Resume ${a.name}`} onClick={() => patch.mutate({ id: a.id, status: "active" })}>Resume</Button>
            )}
            <Button size="compact-xs" variant="default" color="red" aria-label={`Delete ${a.name}`} onClick={() => { remove.reset(); setDeleting(a); }}>Delete</Button>
          </Group>
        )}
      />
      <Title order={3} size="h4" mt="lg" mb="xs">History</Title>
      <DataTable caption="Alert history" columns={fireColumns} rows={fires.data ?? []} rowKey={(f) => f.id} csvName="alert-history" phoneCards
        loading={fires.isPending} empty="No alert has fired yet." initialSort={{ key: "at", desc: true }}
        rowActions={(f) =>
          f.order_status === "awaiting" ? (
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" aria-label={`Approve the order of ${instrumentLabel(f.symbol)} at ${inr(f.price)}`}
                loading={decide.isPending} onClick={() => decide.mutate({ id: f.id, approve: true })}>Approve</Button>
              <Button size="compact-xs" variant="default" aria-label={`Dismiss the order of ${instrumentLabel(f.symbol)} at ${inr(f.price)}`}
                onClick={() => decide.mutate({ id: f.id, approve: false })}>Dismiss</Button>
            </Group>
          ) : null
        }
      />
      <WebhooksSection />
      {creating && (
        <AlertDialog initial={creating} onClose={() => { setCreating(null); if (asked) setParams({}, { replace: true }); }} />
      )}
      {deleting && (
        <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={() => setDeleting(null)} title="Delete alert">
          <Stack gap="sm">
            <Text>Delete “{deleting.name}” ({conditionWords(deleting.condition)}) and its history?</Text>
            {remove.error && <Notice role="alert" color="red">{remove.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>Keep</Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting.id)}>Delete alert</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
