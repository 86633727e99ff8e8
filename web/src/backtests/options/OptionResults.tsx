import { Alert, Badge, Card, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { type Column, DataTable } from "@/components/DataTable";
import { LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import { Money } from "@/components/Money";
import { inr, istDate, lakhCrore, moneyTicks, pct, percentTicks, qty, toNumber } from "@/format";
import { Stat } from "../RunResults";
import { EntryPayoffCard } from "./EntryPayoff";
import type { OptionBucket, OptionDay, OptionLegTrade, OptionRun } from "./optionBacktestApi";

const percentAxis = (v: number) => `${v.toFixed(1)}%`;

const REASONS: Record<OptionLegTrade["reason"], string> = {
  stop_loss: "Stop-loss",
  target: "Target",
  trailing_stop: "Trailing stop",
  time: "Exit time",
  settlement: "Settled at expiry",
  end: "End of the test",
  strategy_stop: "Strategy stop-loss",
  strategy_target: "Strategy target",
  lock_profit: "Profit lock",
};

export const reasonName = (r: OptionLegTrade["reason"]) => REASONS[r];

function Summary({ run }: { run: OptionRun }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="xs" role="list" aria-label="Summary">
      <div role="listitem"><Stat label="Net P&L" hint={`${pct(run.return_pct, { signed: true })} on ${inr(run.capital, 0)}`}><Money value={run.net} pnl /></Stat></div>
      <div role="listitem"><Stat label="Gross P&L" hint="on market prices"><Money value={run.gross} pnl /></Stat></div>
      <div role="listitem"><Stat label="Charges">{inr(run.charges)}</Stat></div>
      <div role="listitem"><Stat label="Slippage">{inr(run.slippage)}</Stat></div>
      <div role="listitem"><Stat label="Max drawdown">{pct(run.max_drawdown)}</Stat></div>
      <div role="listitem"><Stat label="Margin peak">{inr(run.margin_peak, 0)}</Stat></div>
      <div role="listitem"><Stat label="Return on margin">{run.return_on_margin === null || run.return_on_margin === undefined ? "—" : pct(run.return_on_margin, { signed: true })}</Stat></div>
      <div role="listitem"><Stat label="Entries" hint={`won ${pct(run.win_rate, { decimals: 0 })}`}>{qty(run.trade_sets)}</Stat></div>
      <div role="listitem"><Stat label="Leg trades">{qty(run.trades.length)}</Stat></div>
      <div role="listitem"><Stat label="Final equity">{inr(run.final_equity, 0)}</Stat></div>
    </SimpleGrid>
  );
}

/** P&L by a key as bars from a zero line (losses left, red; gains right, teal) with the figures. */
function PnlBars({ title, rows, counted }: { title: string; rows: OptionBucket[]; counted: string }) {
  const most = Math.max(1, ...rows.map((r) => Math.abs(toNumber(r.pnl) ?? 0)));
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={3} size="h6" mb="xs">{title}</Title>
      <Table fz="sm" horizontalSpacing={6} aria-label={title}>
        <Table.Thead>
          <Table.Tr><Table.Th>{title.replace(/^P&L by /, "").replace(/^./, (c) => c.toUpperCase())}</Table.Th><Table.Th w="40%" aria-hidden /><Table.Th ta="right">Net P&amp;L</Table.Th><Table.Th ta="right">{counted}</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => {
            const v = toNumber(r.pnl) ?? 0;
            const width = `${(Math.abs(v) / most) * 50}%`;
            return (
              <Table.Tr key={r.key}>
                <Table.Td>{/^\d{4}-\d{2}-\d{2}$/.test(r.key) ? istDate(r.key) : r.key}</Table.Td>
                <Table.Td aria-hidden>
                  <div style={{ position: "relative", height: 10 }}>
                    <div style={{ position: "absolute", left: "50%", top: -2, bottom: -2, width: 1, background: "var(--mantine-color-gray-5)" }} />
                    <div style={{ position: "absolute", height: 10, width, ...(v >= 0 ? { left: "50%" } : { right: "50%" }),
                      background: v >= 0 ? "var(--mantine-color-teal-6)" : "var(--mantine-color-red-6)" }} />
                  </div>
                </Table.Td>
                <Table.Td className="num"><Money value={r.pnl} pnl decimals={0} /></Table.Td>
                <Table.Td className="num">{qty(r.trades)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function WorstDays({ days }: { days: OptionDay[] }) {
  return (
    <Card withBorder component="section" aria-label="Worst days">
      <Title order={3} size="h6" mb="xs">Worst days</Title>
      <Table fz="sm" horizontalSpacing={6} aria-label="Worst days">
        <Table.Thead>
          <Table.Tr><Table.Th>Day</Table.Th><Table.Th ta="right">P&amp;L</Table.Th><Table.Th ta="right">Drawdown</Table.Th><Table.Th ta="right">Margin</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {days.map((d) => (
            <Table.Tr key={d.day}>
              <Table.Td>{istDate(d.day)}</Table.Td>
              <Table.Td className="num"><Money value={d.pnl} pnl decimals={0} /></Table.Td>
              <Table.Td className="num">{pct(d.drawdown)}</Table.Td>
              <Table.Td className="num">{inr(d.margin, 0)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

type Row = OptionLegTrade & { key: number };

/** A day and, on a minute run, its IST time ("3 Feb 2025, 09:20 IST"). */
function when(day: string, time: string | null | undefined): string {
  return time ? `${istDate(day)}, ${time.slice(0, 5)} IST` : istDate(day);
}

function Trades({ run }: { run: OptionRun }) {
  const rows = useMemo<Row[]>(() => run.trades.map((t, key) => ({ ...t, key })), [run.trades]);
  const columns: Column<Row>[] = [
    { key: "leg", header: "Leg", card: "title", value: (t) => t.leg * 100 + t.entry_number,
      render: (t) => `Leg ${t.leg + 1}${t.entry_number ? ` · re-entry ${t.entry_number}` : ""}` },
    { key: "contract", header: "Contract", value: (t) => `${t.expiry} ${t.strike}`,
      render: (t) => `${t.side === "sell" ? "Sell" : "Buy"} ${run.underlying} ${istDate(t.expiry).replace(/ \d{4}$/, "")} ${t.option_type === "FUT" ? "FUT" : `${qty(t.strike)} ${t.option_type}`}` },
    { key: "entry", header: "Entry", value: (t) => `${t.entry_day} ${t.entry_time ?? ""}`, render: (t) => when(t.entry_day, t.entry_time) },
    { key: "entry_price", header: "Entry price", numeric: true, drop: 3, value: (t) => t.entry_price, render: (t) => inr(t.entry_price) },
    { key: "exit", header: "Exit", value: (t) => `${t.exit_day} ${t.exit_time ?? ""}`, render: (t) => when(t.exit_day, t.exit_time) },
    { key: "exit_price", header: "Exit price", numeric: true, drop: 3, value: (t) => t.exit_price, render: (t) => inr(t.exit_price) },
    { key: "qty", header: "Qty", numeric: true, drop: 2, value: (t) => t.quantity, render: (t) => `${qty(t.quantity)} (${t.lots} × ${t.lot_size})` },
    { key: "gross", header: "Gross P&L", numeric: true, card: "aside", value: (t) => t.gross, render: (t) => <Money value={t.gross} pnl /> },
    { key: "slippage", header: "Slippage", numeric: true, drop: 1, value: (t) => t.slippage, render: (t) => inr(t.slippage) },
    { key: "reason", header: "Exit reason", value: (t) => reasonName(t.reason), render: (t) => reasonName(t.reason) },
  ];
  return (
    <Card withBorder component="section" aria-label="Leg trades">
      <Title order={3} size="h6" mb="xs">Trades by leg ({qty(run.trades.length)})</Title>
      <Text size="xs" c="dimmed" mb={4}>Gross on market prices, before slippage and charges (charges are booked by day).</Text>
      <DataTable caption="Leg trades" columns={columns} rows={rows} rowKey={(t) => t.key} csvName={`options-backtest-${run.start}-trades`}
        initialSort={{ key: "entry" }} empty="No trade in this range." pageSize={50} />
    </Card>
  );
}

/** An options run's results: figures, then equity and drawdown, the P&L by expiry, weekday
 * and month, the worst days, and each leg's trades. */
export function OptionResults({ run }: { run: OptionRun }) {
  const equity = useMemo<Series[]>(() => [{ name: run.name, color: RUN_COLOURS[0] as string, points: run.curve.map((d) => ({ time: d.day, value: d.equity })) }], [run]);
  const drawdown = useMemo<Series[]>(() => [{ name: "Drawdown", color: "#495057", area: true, points: run.curve.map((d) => ({ time: d.day, value: d.drawdown })) }], [run]);
  return (
    <Stack gap="md" aria-label="Results">
      {run.synthetic && (
        <Alert color="gray" variant="outline" role="note">
          <Badge color="#9a3412" variant="filled" mr="xs">Synthetic data</Badge>
          These option chains are simulated, not NSE's prices: the figures show how the strategy's rules play out, not how it would have done.
        </Alert>
      )}
      <Summary run={run} />
      <Card withBorder component="section" aria-label="Equity">
        <Title order={3} size="h6" mb="xs">Equity</Title>
        <LineChart series={equity} format={lakhCrore} ticks={moneyTicks} label={`Equity of ${run.name}, ${run.curve.length} days`} />
      </Card>
      <Card withBorder component="section" aria-label="Drawdown">
        <Title order={3} size="h6" mb="xs">Drawdown</Title>
        <LineChart series={drawdown} format={percentAxis} ticks={percentTicks} height={160} label={`Drawdown, deepest ${pct(run.max_drawdown)}`} />
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <PnlBars title="P&L by expiry" rows={run.by_expiry} counted="Trades" />
        <PnlBars title="P&L by weekday" rows={run.by_weekday} counted="Days" />
        <PnlBars title="P&L by month" rows={run.by_month} counted="Days" />
        <WorstDays days={run.worst_days} />
      </SimpleGrid>
      <EntryPayoffCard payoffs={run.payoffs} />
      <Trades run={run} />
    </Stack>
  );
}
