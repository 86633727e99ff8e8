// One worker run: grouped P&L live over SSE with its legs, the orders and trades, the
// timeline (live, by kind), backend protection and risk, and the exit (dry run first).
import { Anchor, Badge, Grid, Group, Loader, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { lazy, Suspense } from "react";
import { Link, Navigate, useParams } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { inr, istDateTime, qty, words } from "@/format";
import { InstrumentName } from "@/components/InstrumentName";
import { Notice } from "@/orders/Notice";
import { ExitButton } from "./ExitButton";
import { ProtectionPanel } from "./ProtectionEditor";
import { RiskPanel } from "./RiskPanel";
import { ageWords } from "./timeline";
import { TimelinePanel } from "./TimelinePanel";
import { type Book, type Pnl, useBook, useLiveRun, usePnl, useRun, useRunCards, useTimeline } from "./workerApi";
import { healthWord, modeColor, modeWord, statusWord } from "./words";

const OptionRunPanel = lazy(() => import("@/options/OptionRunPanel"));

type Leg = Pnl["legs"][number];
type Order = Book["orders"][number];
type Trade = Book["trades"][number];

const legColumns: Column<Leg>[] = [
  { key: "symbol", header: "Symbol", card: "title", render: (l) => <InstrumentName symbol={l.tradingsymbol} exchange={l.exchange} />, value: (l) => l.tradingsymbol },
  { key: "qty", header: "Net qty", numeric: true, render: (l) => qty(l.net_quantity), value: (l) => l.net_quantity },
  { key: "avg", header: "Avg price", numeric: true, render: (l) => inr(l.average_price), value: (l) => l.average_price },
  { key: "ltp", header: "LTP", numeric: true, render: (l) => inr(l.last_price), value: (l) => l.last_price },
  { key: "unrealized", header: "Open P&L", numeric: true, render: (l) => <Money value={l.unrealized_pnl} pnl />, value: (l) => l.unrealized_pnl },
  { key: "realized", header: "Booked P&L", numeric: true, drop: 2, render: (l) => <Money value={l.realized_pnl} pnl />, value: (l) => l.realized_pnl },
  { key: "charges", header: "Charges", numeric: true, drop: 1, render: (l) => inr(l.charges), value: (l) => l.charges },
  { key: "net", header: "Net P&L", numeric: true, card: "aside", render: (l) => <Money value={l.net_pnl} pnl />, value: (l) => l.net_pnl },
];
const orderColumns: Column<Order>[] = [
  { key: "time", header: "Time (IST)", render: (o) => istDateTime(o.order_timestamp), value: (o) => o.order_timestamp },
  { key: "symbol", header: "Symbol", render: (o) => <InstrumentName symbol={o.tradingsymbol} exchange={o.exchange} />, value: (o) => o.tradingsymbol },
  { key: "side", header: "Side", render: (o) => (o.transaction_type === "BUY" ? "Buy" : "Sell") },
  { key: "qty", header: "Qty", numeric: true, render: (o) => `${qty(o.filled_quantity)} / ${qty(o.quantity)}`, value: (o) => o.quantity },
  { key: "type", header: "Type", render: (o) => words(o.order_type) },
  { key: "avg", header: "Avg price", numeric: true, render: (o) => inr(o.average_price), value: (o) => o.average_price },
  { key: "status", header: "Status", render: (o) => words(o.status), value: (o) => o.status },
];
const tradeColumns: Column<Trade>[] = [
  { key: "time", header: "Time (IST)", render: (t) => istDateTime(t.fill_timestamp), value: (t) => t.fill_timestamp },
  { key: "symbol", header: "Symbol", render: (t) => <InstrumentName symbol={t.tradingsymbol} exchange={t.exchange} />, value: (t) => t.tradingsymbol },
  { key: "side", header: "Side", render: (t) => (t.transaction_type === "BUY" ? "Buy" : "Sell") },
  { key: "qty", header: "Qty", numeric: true, render: (t) => qty(t.quantity), value: (t) => t.quantity },
  { key: "price", header: "Price", numeric: true, render: (t) => inr(t.average_price), value: (t) => t.average_price },
];

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} size="lg" aria-label={label}>{children}</Text>
    </Paper>
  );
}

/** A run named by the id its worker knows (`/workers/runs/run_demo_001`): the desk's run of
 * that id, newest first, or a plain not-found; never a spinner that waits for nothing. */
function RunByWorkerId({ runKey }: { runKey: string }) {
  const cards = useRunCards();
  if (cards.isPending) return <Loader aria-label="Finding the run" />;
  if (cards.isError) return <Notice color="red" role="alert">{cards.error.message}</Notice>;
  const found = cards.data.find((c) => c.strategy_run_id === runKey);
  if (found) return <Navigate to={`/workers/runs/${found.id}`} replace />;
  return (
    <Notice color="gray" role="alert" title="No such run">
      None of your worker runs is called “{runKey}”. <Anchor component={Link} to="/workers">Back to the runs</Anchor>
    </Notice>
  );
}

export function Component() {
  const param = useParams().id ?? "";
  const id = /^[1-9]\d*$/.test(param) ? Number(param) : 0;
  return id > 0 ? <RunView id={id} /> : <RunByWorkerId runKey={param} />;
}

function RunView({ id }: { id: number }) {
  const run = useRun(id);
  const pnl = usePnl(id);
  const book = useBook(id);
  const timeline = useTimeline(id);
  useLiveRun(id, timeline.data ? (timeline.data.last_cursor ?? 0) : undefined);

  if (run.isPending) return <Loader aria-label="Loading the run" />;
  if (run.isError) return <Notice color="red" role="alert">{run.error.message} <Anchor component={Link} to="/workers">Back to the runs</Anchor></Notice>;
  const r = run.data;
  const [health, healthColor] = healthWord(r.health_status, r.heartbeat_age_sec);
  const totals = pnl.data?.totals;
  return (
    <>
      <PageTitle actions={<ExitButton run={r} />}>{r.name || r.strategy_run_id}</PageTitle>
      <Group gap="xs" mb="md" wrap="wrap">
        <Badge variant="outline" color={modeColor(r.execution_mode)}>{modeWord(r.execution_mode)}</Badge>
        <Badge variant="outline" color={r.status === "open" ? "blue.8" : "gray.7"}>{statusWord(r.status)}</Badge>
        <Badge variant="dot" color={healthColor}>{health}</Badge>
        <Text size="sm" c="dimmed">Heartbeat {ageWords(r.heartbeat_age_sec)} · worker session {words(r.session_status).toLowerCase()} · {r.strategy_run_id} · template {r.template_id} · token {r.token_name}</Text>
      </Group>
      <Stack gap="md">
        <section aria-label="P&L">
          <Group justify="space-between" mb={6}>
            <Title order={2} size="h4">P&amp;L</Title>
            <Text size="xs" c="dimmed">{pnl.data?.is_stale ? "Some marks could not be confirmed" : "Live"} · as of {istDateTime(pnl.data?.updated_at)}</Text>
          </Group>
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Figure label="Net P&L"><Money value={totals?.net_pnl} pnl /></Figure>
            <Figure label="Open P&L"><Money value={totals?.unrealized_pnl} pnl /></Figure>
            <Figure label="Booked P&L"><Money value={totals?.realized_pnl} pnl /></Figure>
            <Figure label="Charges"><Money value={totals?.charges} /></Figure>
          </SimpleGrid>
        </section>
        <Title order={2} size="h4" mb={-8}>Legs</Title>
        <DataTable caption="Legs" columns={legColumns} rows={pnl.data?.legs ?? []} rowKey={(l) => `${l.exchange}:${l.tradingsymbol}:${l.product}`} empty="No positions yet." />
        {r.is_option_run && <Suspense fallback={<Loader size="sm" aria-label="Loading the option run" />}><OptionRunPanel runId={r.id} /></Suspense>}
        <Grid>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Stack gap="md">
              <Title order={2} size="h4" mb={-8}>Orders</Title>
              <DataTable caption="Orders" columns={orderColumns} rows={book.data?.orders ?? []} rowKey={(o) => o.order_id} empty="No orders yet." />
              <Title order={2} size="h4" mb={-8}>Trades</Title>
              <DataTable caption="Trades" columns={tradeColumns} rows={book.data?.trades ?? []} rowKey={(t) => t.trade_id} empty="No trades yet." />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <TimelinePanel events={timeline.data?.events ?? []} />
          </Grid.Col>
        </Grid>
        <ProtectionPanel run={r} />
        <RiskPanel run={r} />
      </Stack>
    </>
  );
}
