import { Alert, Badge, Loader, Tabs, Text } from "@mantine/core";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PositionsPanel } from "@/dashboard/PositionsPanel";
import { instrumentLabel, istDate, qty, words } from "@/format";
import { type Portfolio, type Position, type Signal, usePositions, useSignals } from "./modelApi";


const signalColumns: Column<Signal>[] = [
  { key: "date", header: "Date", render: (s) => istDate(s.signal_date), value: (s) => s.signal_date },
  { key: "symbol", header: "Symbol", render: (s) => instrumentLabel(s.symbol), value: (s) => s.symbol },
  { key: "type", header: "Type", render: (s) => `${s.signal_type} ${s.side}`, value: (s) => s.signal_type },
  { key: "rank", header: "Rank", numeric: true, render: (s) => s.conviction_rank ?? "—", value: (s) => s.conviction_rank },
  { key: "qty", header: "Qty", numeric: true, render: (s) => qty(s.quantity), value: (s) => s.quantity },
  { key: "trigger", header: "Trigger", numeric: true, render: (s) => <Money value={s.trigger_price} />, value: (s) => s.trigger_price },
  { key: "limit", header: "Limit", numeric: true, render: (s) => <Money value={s.limit_price} />, value: (s) => s.limit_price },
  { key: "amount", header: "Amount", numeric: true, render: (s) => <Money value={s.amount} />, value: (s) => s.amount },
  { key: "status", header: "Status", render: (s) => <Badge size="sm" variant="outline" color="gray.8">{words(s.status)}</Badge>, value: (s) => s.status },
  { key: "reason", header: "Reason", render: (s) => (s.reason ? words(s.reason) : s.error ?? ""), value: (s) => s.reason },
];

const closedColumns: Column<Position>[] = [
  { key: "symbol", header: "Symbol", render: (p) => instrumentLabel(p.symbol), value: (p) => p.symbol },
  { key: "qty", header: "Qty", numeric: true, render: (p) => qty(p.quantity), value: (p) => p.quantity },
  { key: "entry", header: "Entry", numeric: true, render: (p) => <Money value={p.entry_price} />, value: (p) => p.entry_price },
  { key: "entry_date", header: "Bought", render: (p) => istDate(p.entry_date), value: (p) => p.entry_date },
  { key: "exit", header: "Exit", numeric: true, render: (p) => <Money value={p.exit_price} />, value: (p) => p.exit_price },
  { key: "exit_date", header: "Sold", render: (p) => istDate(p.exit_date), value: (p) => p.exit_date },
  { key: "reason", header: "Why", render: (p) => words(p.exit_reason), value: (p) => p.exit_reason },
  { key: "charges", header: "Charges", numeric: true, render: (p) => <Money value={p.charges} />, value: (p) => p.charges },
  { key: "pnl", header: "Realised", numeric: true, render: (p) => <Money value={p.realised_pnl} pnl />, value: (p) => p.realised_pnl },
];

/** A portfolio's positions (open ones closable) and its signal history. */
export function PortfolioHistory({ portfolio }: { portfolio: Portfolio }) {
  const positions = usePositions(portfolio.id);
  const signals = useSignals(portfolio.id);
  if (positions.isPending || signals.isPending) return <Loader aria-label="Loading history" />;
  if (positions.isError) return <Alert color="red" role="alert">{positions.error.message}</Alert>;
  if (signals.isError) return <Alert color="red" role="alert">{signals.error.message}</Alert>;
  const open = positions.data.filter((p) => p.status !== "closed");
  const closed = positions.data.filter((p) => p.status === "closed");
  return (
    <Tabs defaultValue="open" keepMounted={false}>
      <Tabs.List mb="sm">
        <Tabs.Tab value="open">Open positions ({open.length})</Tabs.Tab>
        <Tabs.Tab value="closed">Closed positions ({closed.length})</Tabs.Tab>
        <Tabs.Tab value="signals">Signals ({signals.data.length})</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="open"><PositionsPanel positions={open} name={portfolio.name} /></Tabs.Panel>
      <Tabs.Panel value="closed">
        <DataTable caption={`Closed positions of ${portfolio.name}`} columns={closedColumns} rows={closed}
          rowKey={(p) => p.id} csvName="closed-positions" empty="Nothing closed yet." />
      </Tabs.Panel>
      <Tabs.Panel value="signals">
        {signals.data.length === 0 ? <Text c="dimmed">No signals yet.</Text> : (
          <DataTable caption={`Signals of ${portfolio.name}`} columns={signalColumns} rows={signals.data}
            rowKey={(s) => s.id} csvName="signals" />
        )}
      </Tabs.Panel>
    </Tabs>
  );
}
