// Kite's GTT list: each trigger's instrument, type, trigger values against the live price,
// its orders and status; create (single or OCO), modify and delete (confirmed).
import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ProvisionalCalendar } from "@/components/ProvisionalCalendar";

const GTT_WHY =
  "This trigger's year runs past NSE's published holiday list: until the server's admin loads " +
  "NSE's list, every weekday there is assumed to trade, and the trigger may be watched on a holiday.";
import { inr, istDateTime, qty } from "@/format";
import { LiveLtp } from "@/orders/books";
import { GttDialog } from "./GttDialog";
import { type GttForm, gttFormOf, initialGtt } from "./gttForm";

type Row = Record<string, unknown>;
const condition = (r: Row) => (r.condition ?? {}) as Row;
const orders = (r: Row) => (r.orders ?? []) as Row[];
const symbolOf = (r: Row) => `${String(condition(r).exchange)}:${String(condition(r).tradingsymbol)}`;
const triggers = (r: Row) => ((condition(r).trigger_values ?? []) as number[]).map((v) => inr(v)).join(" / ");
const kind = (r: Row) => (r.type === "two-leg" ? "OCO" : "Single");
const describe = (r: Row) => `${kind(r)} GTT ${String(r.id)} on ${String(condition(r).tradingsymbol)}`;

const columns: Column<Row>[] = [
  { key: "created", header: "Created on", render: (r) => istDateTime(String(r.created_at)), value: (r) => String(r.created_at) },
  { key: "instrument", header: "Instrument", render: (r) => `${String(condition(r).tradingsymbol)} ${String(condition(r).exchange)}`, value: (r) => String(condition(r).tradingsymbol) },
  { key: "type", header: "Type", render: kind, value: kind },
  { key: "side", header: "Side", render: (r) => String(orders(r)[0]?.transaction_type ?? ""), value: (r) => String(orders(r)[0]?.transaction_type ?? "") },
  { key: "trigger", header: "Trigger", numeric: true, render: triggers, value: (r) => Number(((condition(r).trigger_values ?? []) as number[])[0]) },
  { key: "ltp", header: "LTP", numeric: true, render: (r) => <LiveLtp symbol={symbolOf(r)} fallback={Number(condition(r).last_price)} /> },
  { key: "price", header: "Limit price", numeric: true, render: (r) => orders(r).map((o) => inr(Number(o.price))).join(" / ") },
  { key: "qty", header: "Qty.", numeric: true, render: (r) => qty(Number(orders(r)[0]?.quantity)), value: (r) => Number(orders(r)[0]?.quantity) },
  {
    key: "status",
    header: "Status",
    render: (r) => (
      <Group gap={4} wrap="nowrap">
        {String(r.status)}
        <ProvisionalCalendar provisional={r.provisional_calendar === true} label="Provisional" why={GTT_WHY} />
      </Group>
    ),
    value: (r) => String(r.status),
  },
];

export function Component() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["gtt"],
    queryFn: async () => unwrap(await api.GET("/api/gtt/triggers")) as Row[],
    refetchInterval: 5_000,
  });
  const [editing, setEditing] = useState<{ form: GttForm; id?: number } | null>(null);
  const [deleting, setDeleting] = useState<Row | null>(null);
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
      <DataTable caption="GTT triggers" columns={columns} rows={list.data ?? []} rowKey={(r) => Number(r.id)} csvName="gtt"
        empty={list.isPending ? "Loading…" : "No GTT triggers."} initialSort={{ key: "created", desc: true }}
        rowActions={(r) =>
          r.status === "active" ? (
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" variant="default" aria-label={`Modify ${describe(r)}`}
                onClick={() => setEditing({ form: gttFormOf(r), id: Number(r.id) })}>Modify</Button>
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
              Delete {describe(deleting)} (trigger {triggers(deleting)}, {qty(Number(orders(deleting)[0]?.quantity))} qty)?
            </Text>
            {remove.error && <Notice role="alert" color="red">{remove.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>Keep</Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(Number(deleting.id))}>Delete GTT</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
