// One replay: its period, speed and clock while it plays; once played out (or its run
// closed) its report, a backtest result's figures, round trips and equity curve.
import { Alert, Badge, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useParams } from "react-router";
import { Stat } from "@/backtests/RunResults";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { istDateTime, pct, plain } from "@/format";
import { type Replay, useReplay } from "./workerApi";
import { WorkersNav } from "./WorkersNav";

type Report = NonNullable<Replay["report"]>;
type Trade = Report["trades"][number];
type Point = Report["equity"][number];

function ReportView({ report }: { report: Report }) {
  const s = report.summary;
  const trades: Column<Trade>[] = [
    { key: "symbol", header: "Instrument", render: (t) => t.symbol, value: (t) => t.symbol },
    { key: "side", header: "Side", render: (t) => (t.side === "LONG" ? "Long" : "Short") },
    { key: "quantity", header: "Quantity", render: (t) => t.quantity, value: (t) => t.quantity },
    { key: "entry", header: "Entry (IST)", render: (t) => istDateTime(t.entry_at), value: (t) => t.entry_at },
    { key: "entry_price", header: "Entry price", render: (t) => <Money value={t.entry_price} /> },
    { key: "exit", header: "Exit (IST)", render: (t) => istDateTime(t.exit_at), value: (t) => t.exit_at },
    { key: "exit_price", header: "Exit price", render: (t) => <Money value={t.exit_price} /> },
    { key: "charges", header: "Charges", render: (t) => <Money value={t.charges} /> },
    { key: "pnl", header: "Net P&L", render: (t) => <Money value={t.pnl} pnl />, value: (t) => Number(t.pnl) },
  ];
  const equity: Column<Point>[] = [
    { key: "ts", header: "Time (IST)", render: (p) => istDateTime(p.ts), value: (p) => p.ts },
    { key: "equity", header: "Equity", render: (p) => <Money value={p.equity} />, value: (p) => Number(p.equity) },
  ];
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label="Net P&L"><Money value={s.net_pnl} pnl /></Stat>
        <Stat label="Return">{pct(s.total_return, { signed: true })}</Stat>
        <Stat label="Final equity"><Money value={s.final_equity} /></Stat>
        <Stat label="Charges"><Money value={s.total_charges} /></Stat>
        <Stat label="Round trips">{s.total_trades}{s.open_trades ? ` (+${s.open_trades} open)` : ""}</Stat>
        <Stat label="Win rate">{pct(s.win_rate)}</Stat>
        <Stat label="Profit factor">{s.profit_factor === null ? "—" : plain(s.profit_factor)}</Stat>
        <Stat label="Max drawdown">{pct(s.max_drawdown)}</Stat>
      </SimpleGrid>
      <Text size="sm" c="dimmed">
        Prices: {s.synthetic ? "the synthetic market (not traded prices)" : s.data_source === "import" ? "imported candles" : s.data_source ?? "none traded"} ·
        {" "}{s.fills} fills · played {istDateTime(report.from)} to {istDateTime(report.until)}
      </Text>
      <Title order={2} size="h4">Round trips</Title>
      <DataTable caption="Round trips" columns={trades} rows={report.trades} rowKey={(t) => `${t.symbol}-${t.entry_at}-${t.exit_at}-${t.quantity}`} empty="No round trips." csvName="replay-trades" />
      <Title order={2} size="h4">Equity curve</Title>
      <DataTable caption="Equity curve" columns={equity} rows={report.equity} rowKey={(p) => p.ts} empty="No marks." csvName="replay-equity" pageSize={50} />
    </Stack>
  );
}

export function Component() {
  const id = Number(useParams().id ?? 0);
  const replay = useReplay(id);
  const r = replay.data;
  return (
    <>
      <PageTitle>Replay</PageTitle>
      <WorkersNav />
      {replay.isPending && <Loader aria-label="Loading the replay" />}
      {replay.isError && <Alert color="red" role="alert">{replay.error.message}</Alert>}
      {r && (
        <Stack gap="md">
          <Group gap="sm">
            <Title order={2} size="h3">{r.strategy_run_id}</Title>
            <Badge variant="outline" color={r.status === "finished" ? "gray.7" : "blue.8"}>{r.status === "finished" ? "Finished" : "Playing"}</Badge>
          </Group>
          <Text size="sm">
            {r.from === r.to ? r.from : `${r.from} to ${r.to}`} · {r.resolution === "day" ? "day candles" : "minute candles"} ·
            {" "}speed {r.speed === "max" ? "max" : `${r.speed}×`} · replay time <strong>{istDateTime(r.clock)}</strong>
          </Text>
          {r.report ? <ReportView report={r.report} /> : (
            <Alert color="blue">The report comes when the period has played out or the run is closed.</Alert>
          )}
        </Stack>
      )}
    </>
  );
}
