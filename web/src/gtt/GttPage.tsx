// Kite's GTT list: each trigger's instrument, type, book (by name), trigger values against
// the live price, its orders and status; create (single or OCO), modify and delete (confirmed).
import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ProvisionalCalendar } from "@/components/ProvisionalCalendar";

const GTT_WHY =
  "This trigger's year runs past NSE's published holiday list: until the server's admin loads " +
  "NSE's list, every weekday there is assumed to trade, and the trigger may be watched on a holiday.";
import { inr, instrumentLabel, istDateTime, pct, qty, words } from "@/format";
import { InstrumentName } from "@/components/InstrumentName";
import { useTick } from "@/ticks/useTick";
import { LiveLtp } from "@/orders/books";
import { GttDialog } from "./GttDialog";
import { type GttForm, gttFormOf, initialGtt } from "./gttForm";

type Gtt = components["schemas"]["GttOut"];
const symbolOf = (r: Gtt) => `${r.condition.exchange}:${r.condition.tradingsymbol}`;
const triggers = (r: Gtt) => r.condition.trigger_values.map((v) => inr(v ?? Number.NaN)).join(" / ");
const kind = (r: Gtt) => (r.type === "two-leg" ? "OCO" : "Single");
const describe = (r: Gtt) => `${kind(r)} GTT ${r.id} on ${instrumentLabel(r.condition.tradingsymbol, r.condition.exchange)}`;
const firstLeg = (r: Gtt) => r.orders[0];

/** How far the live price must move to reach the nearest trigger, as a share of it. */
export function distanceToTrigger(triggers: (number | null | undefined)[], ltp: number): number {
  const values = triggers.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (!values.length || !Number.isFinite(ltp) || ltp <= 0) return Number.NaN;
  const nearest = values.reduce((best, v) => (Math.abs(v - ltp) < Math.abs(best - ltp) ? v : best));
  return ((nearest - ltp) / ltp) * 100;
}

function Distance({ row }: { row: Gtt }) {
  const tick = useTick(symbolOf(row));
  const ltp = tick?.ltp ?? row.condition.last_price ?? Number.NaN;
  const away = distanceToTrigger(row.condition.trigger_values, ltp);
  if (!Number.isFinite(away)) return <span>—</span>;
  return <span className="num" title="from the last price to the nearest trigger">{pct(away, { signed: true })}</span>;
}

const columns: Column<Gtt>[] = [
  { key: "created", header: "Created on", drop: 1, render: (r) => istDateTime(r.created_at), value: (r) => r.created_at },
  { key: "instrument", header: "Instrument", render: (r) => <InstrumentName symbol={r.condition.tradingsymbol} exchange={r.condition.exchange} />, value: (r) => r.condition.tradingsymbol, card: "title" },
  { key: "type", header: "Type", render: kind, value: kind },
  // whose money the trigger's order spends: the manual book, a portfolio's, a live account
  { key: "book", header: "Book", render: (r) => r.book_label, value: (r) => r.book_label },
  { key: "side", header: "Side", render: (r) => firstLeg(r)?.transaction_type ?? "", value: (r) => firstLeg(r)?.transaction_type ?? "", card: "title" },
  { key: "trigger", header: "Trigger", numeric: true, render: triggers, value: (r) => r.condition.trigger_values[0] ?? Number.NaN },
  { key: "ltp", header: "LTP", numeric: true, render: (r) => <LiveLtp symbol={symbolOf(r)} fallback={r.condition.last_price ?? Number.NaN} /> },
  { key: "distance", header: "To trigger", numeric: true, render: (r) => (r.status === "active" ? <Distance row={r} /> : "—") },
  { key: "price", header: "Limit price", numeric: true, render: (r) => r.orders.map((o) => inr(o.price ?? Number.NaN)).join(" / ") },
  { key: "qty", header: "Qty.", numeric: true, render: (r) => qty(firstLeg(r)?.quantity ?? Number.NaN), value: (r) => firstLeg(r)?.quantity ?? Number.NaN },
  {
    key: "status",
    header: "Status",
    render: (r) => (
      <Stack gap={2} align="flex-start">
        {words(r.status)}
        <ProvisionalCalendar provisional={r.provisional_calendar} label="Provisional" why={GTT_WHY} />
      </Stack>
    ),
    value: (r) => r.status,
  },
];

export function Component() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["gtt"],
    queryFn: async () => unwrap(await api.GET("/api/gtt/triggers")),
    refetchInterval: 5_000,
  });
  const [editing, setEditing] = useState<{ form: GttForm; id?: number } | null>(null);
  const [deleting, setDeleting] = useState<Gtt | null>(null);
  const remove = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/gtt/triggers/{trigger_id}", { params: { path: { trigger_id: id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["gtt"] });
      setDeleting(null);
    },
  });
  return (
    <>
      <PageTitle actions={<Button onClick={() => setEditing({ form: initialGtt() })}>New GTT</Button>}>GTT</PageTitle>
      {list.error && <Notice role="alert" color="red" mb="sm">{list.error.message}</Notice>}
      <DataTable caption="GTT triggers" columns={columns} rows={list.data ?? []} rowKey={(r) => r.id} csvName="gtt" phoneCards
        loading={list.isPending} empty="No GTT triggers." initialSort={{ key: "created", desc: true }}
        rowActions={(r) =>
          r.status === "active" ? (
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" variant="default" aria-label={`Modify ${describe(r)}`}
                onClick={() => setEditing({ form: gttFormOf(r), id: r.id })}>Modify</Button>
              <Button size="compact-xs" variant="default" color="red" aria-label={`Delete ${describe(r)}`}
                onClick={() => { remove.reset(); setDeleting(r); }}>Delete</Button>
            </Group>
          ) : null
        }
      />
      {editing && <GttDialog initial={editing.form} triggerId={editing.id} onClose={() => setEditing(null)} />}
      {deleting && (
        <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={() => setDeleting(null)} title="Delete GTT">
          <Stack gap="sm">
            <Text>
              Delete {describe(deleting)} (trigger {triggers(deleting)}, {qty(firstLeg(deleting)?.quantity ?? Number.NaN)} qty)?
            </Text>
            {remove.error && <Notice role="alert" color="red">{remove.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>Keep</Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting.id)}>Delete GTT</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
