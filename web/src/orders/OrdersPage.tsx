// Kite's order book: open orders (modify, cancel), executed orders, and the day's trades,
// each sortable with a CSV export; every order's history of states on demand.
import { Button, Group, Tabs } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { type ReactNode, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { InstrumentName } from "@/components/InstrumentName";
import { instrumentLabel, istTime, qty } from "@/format";
import { BookFilter } from "./BookFilter";
import { type BookOrder, type BookTrade, LiveLtp, bookColumn, isOpenOrder, num, str, symbolOf, useBook, useBooks, useOrders, useSeveralBooks, useTrades } from "./books";
import { CancelOrderDialog, ModifyOrderDialog, OrderHistoryDialog } from "./OrderDialogs";
import { CancelSlicesDialog } from "./CancelSlicesDialog";
import { useOrderTicket } from "./ticket/OrderTicketContext";
import { type Grouped, cancellable, groupSlices, sliceLabels, sliceParent } from "./slices";

type Dialog = { kind: "modify" | "cancel" | "history" | "cancel-slices"; order: Grouped<BookOrder> } | null;
type Booked = BookOrder | BookTrade;

const time: Column<BookOrder> = {
  key: "time", header: "Time", render: (r) => istTime(str(r, "order_timestamp")), value: (r) => str(r, "order_timestamp"),
};
const side: Column<Booked> = {
  key: "type", header: "Type", render: (r) => <b>{r.transaction_type ?? ""}</b>, value: (r) => r.transaction_type ?? "", card: "title",
};
const instrument: Column<Booked> = {
  key: "instrument", header: "Instrument",
  render: (r) => <InstrumentName symbol={r.tradingsymbol} exchange={r.exchange} />, value: (r) => r.tradingsymbol ?? "", card: "title",
};
const product: Column<Booked> = { key: "product", header: "Product", render: (r) => r.product ?? "", value: (r) => r.product ?? "" };
const orderType: Column<BookOrder> = { key: "order_type", header: "Order", render: (r) => `${str(r, "order_type")} · ${str(r, "variety")}`, value: (r) => str(r, "order_type") };
const status: Column<BookOrder> = {
  key: "status", header: "Status",
  render: (r) => (
    <span title={str(r, "status_message") || undefined}>
      {str(r, "status")}
      {str(r, "status_message") ? `: ${str(r, "status_message")}` : ""}
    </span>
  ),
  value: (r) => str(r, "status"),
};
// A sliced order's children (issue 54) say which slice of their parent they are.
const sliceColumn = (labels: Map<string, string>): Column<BookOrder> => ({
  key: "slice", header: "Slice",
  render: (r) => labels.get(str(r, "order_id")) ?? "",
  value: (r) => labels.get(str(r, "order_id")) ?? "",
});
const priceOf = (r: BookOrder) => (num(r, "price") > 0 ? num(r, "price") : num(r, "trigger_price"));

const openColumns: Column<BookOrder>[] = [
  time, side, instrument, product, orderType,
  { key: "qty", header: "Qty.", numeric: true, render: (r) => `${qty(num(r, "filled_quantity"))} / ${qty(num(r, "quantity"))}`, value: (r) => num(r, "quantity") },
  { key: "ltp", header: "LTP", numeric: true, render: (r) => <LiveLtp symbol={symbolOf(r)} fallback={Number.NaN} /> },
  { key: "price", header: "Price", numeric: true, render: (r) => (priceOf(r) > 0 ? <Money value={num(r, "price")} /> : "Market"), value: (r) => num(r, "price") },
  { key: "trigger", header: "Trigger", numeric: true, render: (r) => (num(r, "trigger_price") > 0 ? <Money value={num(r, "trigger_price")} /> : "—"), value: (r) => num(r, "trigger_price") },
  status,
];
const executedColumns: Column<BookOrder>[] = [
  time, side, instrument, product, orderType,
  { key: "qty", header: "Qty.", numeric: true, render: (r) => `${qty(num(r, "filled_quantity"))} / ${qty(num(r, "quantity"))}`, value: (r) => num(r, "quantity") },
  { key: "avg", header: "Avg. price", numeric: true, render: (r) => <Money value={num(r, "average_price")} />, value: (r) => num(r, "average_price") },
  status,
];
const tradeColumns: Column<BookTrade>[] = [
  { key: "trade_id", header: "Trade ID", render: (r) => str(r, "trade_id"), value: (r) => str(r, "trade_id") },
  { key: "fill", header: "Fill time", render: (r) => istTime(str(r, "fill_timestamp")), value: (r) => str(r, "fill_timestamp") },
  side, instrument, product,
  { key: "qty", header: "Qty.", numeric: true, render: (r) => qty(num(r, "quantity")), value: (r) => num(r, "quantity") },
  { key: "avg", header: "Avg. price", numeric: true, render: (r) => <Money value={num(r, "average_price")} />, value: (r) => num(r, "average_price") },
  { key: "order_id", header: "Order ID", render: (r) => str(r, "order_id"), value: (r) => str(r, "order_id") },
];

export function Component() {
  const ticket = useOrderTicket();
  useEffect(() => () => ticket.select(null), [ticket]); // B/S forget this page's row
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") ?? "open";
  const [book] = useBook();
  const books = useBooks();
  const orders = useOrders(book);
  const trades = useTrades(book);
  const several = useSeveralBooks(book);
  const withBook = <T extends BookOrder | BookTrade>(columns: Column<T>[]): Column<T>[] =>
    several ? [bookColumn<T>(books.data), ...columns] : columns;
  const [dialog, setDialog] = useState<Dialog>(null);
  // A sliced order is one row (its figures its children's sums); its children open under it.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const all: Grouped<BookOrder>[] = groupSlices(orders.data ?? []);
  const labels = sliceLabels(orders.data ?? []);
  const open = all.filter(isOpenOrder);
  const executed = all.filter((r) => !isOpenOrder(r));
  const label = (r: BookOrder) => `${str(r, "transaction_type")} ${instrumentLabel(str(r, "tradingsymbol"), str(r, "exchange"))} ${str(r, "order_id")}`;
  const history = (r: BookOrder) => (
    <Button size="compact-xs" variant="default" onClick={() => setDialog({ kind: "history", order: r })} aria-label={`History of ${label(r)}`}>
      History
    </Button>
  );
  const working = (r: BookOrder) => (
    <Group gap={4} wrap="nowrap">
      <Button size="compact-xs" variant="default" onClick={() => setDialog({ kind: "modify", order: r })} aria-label={`Modify ${label(r)}`}>Modify</Button>
      <Button size="compact-xs" variant="default" color="red" onClick={() => setDialog({ kind: "cancel", order: r })} aria-label={`Cancel ${label(r)}`}>Cancel</Button>
      {history(r)}
    </Group>
  );
  const parentKey = (r: Grouped<BookOrder>) => sliceParent(r) ?? str(r, "order_id");
  const toggle = (r: Grouped<BookOrder>) => {
    const count = r.slices?.length ?? 0;
    const shown = expanded.has(parentKey(r));
    return (
      <Button size="compact-xs" variant="default" aria-expanded={shown}
        aria-label={`${shown ? "Hide" : "Show"} the ${count} slices of ${label(r)}`}
        onClick={(e) => {
          e.stopPropagation();
          setExpanded((now) => {
            const next = new Set(now);
            if (next.has(parentKey(r))) next.delete(parentKey(r));
            else next.add(parentKey(r));
            return next;
          });
        }}>
        {count} slices {shown ? "▾" : "▸"}
      </Button>
    );
  };
  // A sliced order's own row: its slices open under it, and the working ones cancel at once.
  const parentActions = (r: Grouped<BookOrder>) => (
    <Group gap={4} wrap="nowrap">
      {toggle(r)}
      {cancellable(r.slices ?? []).working > 0 && (
        <Button size="compact-xs" variant="default" color="red" onClick={() => setDialog({ kind: "cancel-slices", order: r })}
          aria-label={`Cancel all slices of ${label(r)}`}>Cancel all</Button>
      )}
    </Group>
  );
  const children = (columns: Column<BookOrder>[], actions: (r: BookOrder) => ReactNode) => (r: Grouped<BookOrder>) =>
    r.slices && expanded.has(parentKey(r)) ? (
      <DataTable caption={`Slices of ${label(r)}`} columns={[sliceColumn(labels), ...columns]} rows={r.slices} rowKey={(c) => str(c, "order_id")}
        phoneCards rowActions={actions} />
    ) : null;

  return (
    <>
      <PageTitle actions={<Group gap="xs"><BookFilter /><Button onClick={() => ticket.open({})}>New order</Button></Group>}>Orders</PageTitle>
      {(orders.error ?? trades.error) && <Notice role="alert" color="red" mb="sm">{(orders.error ?? trades.error)?.message}</Notice>}
      <Tabs value={tab} keepMounted={false}
        onChange={(v) => setParams((current) => {
          const next = new URLSearchParams(current);
          if (v && v !== "open") next.set("tab", v);
          else next.delete("tab");
          return next;
        }, { replace: true })}>
        <Tabs.List mb="sm">
          <Tabs.Tab value="open">Open ({open.length})</Tabs.Tab>
          <Tabs.Tab value="executed">Executed ({executed.length})</Tabs.Tab>
          <Tabs.Tab value="trades">Trades ({trades.data?.length ?? 0})</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="open">
          <DataTable caption="Open orders" columns={withBook(openColumns)} rows={open} rowKey={(r) => str(r, "order_id")}
            csvName="open-orders" phoneCards onRowSelect={(r) => ticket.select(symbolOf(r))} loading={orders.isPending} empty="No open orders."
            initialSort={{ key: "time", desc: true }}
            rowActions={(r) => (r.slices ? parentActions(r) : working(r))}
            rowDetail={children(openColumns, (c) => (isOpenOrder(c) ? working(c) : history(c)))}
          />
        </Tabs.Panel>
        <Tabs.Panel value="executed">
          <DataTable caption="Executed orders" columns={withBook(executedColumns)} rows={executed} rowKey={(r) => str(r, "order_id")}
            csvName="executed-orders" phoneCards onRowSelect={(r) => ticket.select(symbolOf(r))} loading={orders.isPending} empty="No executed orders today."
            initialSort={{ key: "time", desc: true }} rowActions={(r) => (r.slices ? toggle(r) : history(r))}
            rowDetail={children(executedColumns, history)} />
        </Tabs.Panel>
        <Tabs.Panel value="trades">
          <DataTable caption="Trades" columns={withBook(tradeColumns)} rows={trades.data ?? []} rowKey={(r) => str(r, "trade_id")}
            csvName="trades" phoneCards loading={trades.isPending} empty="No trades today."
            initialSort={{ key: "fill", desc: true }} />
        </Tabs.Panel>
      </Tabs>
      {dialog?.kind === "modify" && <ModifyOrderDialog order={dialog.order} onClose={() => setDialog(null)} />}
      {dialog?.kind === "cancel" && <CancelOrderDialog order={dialog.order} onClose={() => setDialog(null)} />}
      {dialog?.kind === "history" && <OrderHistoryDialog order={dialog.order} onClose={() => setDialog(null)} />}
      {dialog?.kind === "cancel-slices" && <CancelSlicesDialog parent={dialog.order} onClose={() => setDialog(null)} />}
    </>
  );
}
