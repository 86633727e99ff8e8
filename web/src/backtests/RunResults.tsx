import { Alert, Badge, Card, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { tradeChartPath } from "@/market/chartFormat";
import { inr, instrumentLabel, lakhCrore, moneyTicks, pct, percentTicks, qty } from "@/format";
import { byExitReason, chargesShare, exitReasonName, filterTrades, monthlyReturns, type TradeFilter } from "./analysis";
import type { Run, Trade } from "./backtestApi";
import { BENCH_COLOUR, LineChart, RUN_COLOURS, type Series } from "@/components/LineChart";
import { universeName } from "./words";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const percentAxis = (v: number) => `${v.toFixed(1)}%`;

function figure(summary: Record<string, unknown>, key: string): number | null {
  const v = summary[key];
  return typeof v === "number" ? v : null;
}

/** One figure of a summary: its label, the figure, a hint below. */
export function Stat({ label, children, hint }: { label: string; children: React.ReactNode; hint?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} size="lg" className="num" ta="left">{children}</Text>
      {hint && <Text size="xs" c="dimmed">{hint}</Text>}
    </Card>
  );
}

function dir(v: number | null): string | undefined {
  if (v === null || v === 0) return undefined;
  return v > 0 ? "up" : "down";
}

export function SummaryCards({ run }: { run: Run }) {
  const s = run.summary;
  const f = (k: string) => figure(s, k);
  const ratio = (k: string) => (f(k) === null ? "—" : (f(k) as number).toFixed(2));
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="xs" role="list" aria-label="Summary">
      <div role="listitem"><Stat label="Total return" hint={`Benchmark ${pct(f("benchmark_return"), { signed: true })}`}>
        <span className={dir(f("total_return"))}>{pct(f("total_return"), { signed: true })}</span></Stat></div>
      <div role="listitem"><Stat label="CAGR" hint={`Benchmark ${pct(f("benchmark_cagr"), { signed: true })}`}>
        <span className={dir(f("cagr"))}>{pct(f("cagr"), { signed: true })}</span></Stat></div>
      <div role="listitem"><Stat label="Max drawdown">{pct(f("max_drawdown"))}</Stat></div>
      <div role="listitem"><Stat label="Sharpe · Sortino">{ratio("sharpe")} · {ratio("sortino")}</Stat></div>
      <div role="listitem"><Stat label="Win rate" hint={`Profit factor ${ratio("profit_factor")}`}>{pct(f("win_rate"))}</Stat></div>
      <div role="listitem"><Stat label="Trades" hint={`${qty(f("open_trades"))} still open at the end`}>{qty(f("total_trades"))}</Stat></div>
      <div role="listitem"><Stat label="Average hold">{f("avg_hold_days") === null ? "—" : `${(f("avg_hold_days") as number).toFixed(1)} days`}</Stat></div>
      <div role="listitem"><Stat label="Final equity" hint={`from ${inr(run.config.starting_capital as number, 0)}`}>{inr(f("final_equity"), 0)}</Stat></div>
      <div role="listitem"><Stat label="Charges paid">{inr(f("total_charges"), 0)}</Stat></div>
      <div role="listitem"><Stat label="Time invested">{pct(f("exposure_pct"))}</Stat></div>
    </SimpleGrid>
  );
}

export function equitySeries(run: Run, name: string, colour: string): Series {
  return { name, color: colour, points: run.equity_curve.map((d) => ({ time: d.date, value: Number(d.equity) })) };
}

export function benchmarkSeries(run: Run): Series {
  const points: Series["points"] = [];
  for (const d of run.equity_curve) if (d.benchmark !== null && d.benchmark !== undefined) points.push({ time: d.date, value: Number(d.benchmark) });
  return { name: `${universeName(run.config.universe)} buy and hold`, color: BENCH_COLOUR, points, dashed: true };
}

/** A month's shade: teal up, red down, deeper the further from zero (8 % is the deepest). */
function shade(v: number): string {
  const strength = Math.min(Math.abs(v) / 8, 1) * 0.55 + 0.08;
  const hue = v >= 0 ? "13, 148, 136" : "224, 49, 49";
  return `rgba(${hue}, ${strength.toFixed(2)})`;
}

/** Months by year: a table of twelve columns, or on a phone (where fourteen columns do not
 * fit) each year as a block of months, four a line. */
function MonthlyHeatmap({ run }: { run: Run }) {
  const rows = useMemo(() => monthlyReturns(run.equity_curve), [run.equity_curve]);
  const phone = useMediaQuery("(max-width: 36em)") ?? false;
  if (phone) {
    return (
      <Stack gap="sm" role="list" aria-label="Monthly returns">
        {rows.map((r) => (
          <div role="listitem" key={r.year} aria-label={`${r.year}: ${pct(r.total, { decimals: 1, signed: true })}`}>
            <Text size="sm" fw={600} mb={4}>{r.year} <span className="num">{pct(r.total, { decimals: 1, signed: true })}</span></Text>
            <SimpleGrid cols={4} spacing={2} verticalSpacing={2}>
              {r.months.map((m, i) => (
                <Text key={i} size="xs" px={6} py={2} style={m ? { background: shade(m.pct) } : undefined}>
                  {MONTHS[i]} <span className="num">{m ? pct(m.pct, { decimals: 1 }) : "—"}</span>
                </Text>
              ))}
            </SimpleGrid>
          </div>
        ))}
      </Stack>
    );
  }
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table fz="xs" withTableBorder withColumnBorders aria-label="Monthly returns">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Year</Table.Th>
            {MONTHS.map((m) => <Table.Th key={m} ta="right">{m}</Table.Th>)}
            <Table.Th ta="right">Year</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.year}>
              <Table.Th scope="row">{r.year}</Table.Th>
              {r.months.map((m, i) => (
                <Table.Td key={i} className="num" style={m ? { background: shade(m.pct) } : undefined}
                  title={m ? `${MONTHS[i]} ${r.year}: ${pct(m.pct, { signed: true })}` : undefined}>
                  {m ? pct(m.pct, { decimals: 1 }) : ""}
                </Table.Td>
              ))}
              <Table.Td className="num" fw={600}>{pct(r.total, { decimals: 1, signed: true })}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Breakdowns({ run }: { run: Run }) {
  const reasons = useMemo(() => byExitReason(run.trades), [run.trades]);
  const share = useMemo(() => chargesShare(run.trades), [run.trades]);
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder component="section" aria-label="Exits by reason">
        <Title order={3} size="h6" mb="xs">Exits by reason</Title>
        <Table fz="sm" horizontalSpacing={6} aria-label="Exits by reason">
          <Table.Thead>
            <Table.Tr><Table.Th>Reason</Table.Th><Table.Th ta="right">Trades</Table.Th><Table.Th ta="right">Winners</Table.Th><Table.Th ta="right">Net P&amp;L</Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {reasons.map((r) => (
              <Table.Tr key={r.reason}>
                <Table.Td>{exitReasonName(r.reason)}</Table.Td>
                <Table.Td className="num">{qty(r.trades)}</Table.Td>
                <Table.Td className="num">{pct((r.wins / r.trades) * 100, { decimals: 0 })}</Table.Td>
                <Table.Td className="num"><Money value={r.pnl} pnl decimals={0} /></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Card withBorder component="section" aria-label="Charges">
        <Title order={3} size="h6" mb="xs">Charges</Title>
        <Table fz="sm" aria-label="Charges">
          <Table.Tbody>
            <Table.Tr><Table.Td>Made before charges</Table.Td><Table.Td className="num"><Money value={share.gross} pnl /></Table.Td></Table.Tr>
            <Table.Tr><Table.Td>Charges (brokerage, STT, exchange, GST, stamp duty, DP)</Table.Td><Table.Td className="num">{inr(-share.charges)}</Table.Td></Table.Tr>
            <Table.Tr><Table.Td fw={600}>Net of charges</Table.Td><Table.Td className="num" fw={600}><Money value={share.net} pnl /></Table.Td></Table.Tr>
            <Table.Tr><Table.Td>Per trade</Table.Td><Table.Td className="num">{inr(share.perTrade)}</Table.Td></Table.Tr>
            <Table.Tr><Table.Td>Share of the gross</Table.Td><Table.Td className="num">{share.ofGross === null ? "—" : pct(share.ofGross)}</Table.Td></Table.Tr>
          </Table.Tbody>
        </Table>
        {reasons.length > 1 && (
          <Text size="xs" c="dimmed" mt="xs">
            By exit: {reasons.map((r) => `${exitReasonName(r.reason)} ${inr(r.charges, 0)}`).join(" · ")}
          </Text>
        )}
      </Card>
    </SimpleGrid>
  );
}

type Row = Trade & { key: number };

function TradeList({ run }: { run: Run }) {
  const [filter, setFilter] = useState<TradeFilter>({ symbol: "", reason: null, outcome: "all" });
  const rows = useMemo(() => filterTrades(run.trades.map((t, key) => ({ ...t, key })) as Row[], filter), [run.trades, filter]);
  const reasons = useMemo(() => [...new Set(run.trades.map((t) => t.exit_reason))].map((r) => ({ value: r, label: exitReasonName(r) })), [run.trades]);
  const columns: Column<Row>[] = [
    { key: "symbol", header: "Symbol", value: (t) => t.symbol, card: "title",
      render: (t) => (
        <Link to={tradeChartPath(t.symbol, { run: run.id, entry: t.entry_date, exit: t.exit_date, quantity: t.quantity, entryPrice: t.entry_price, exitPrice: t.exit_price })}
          aria-label={`${instrumentLabel(t.symbol)} on the chart, ${t.entry_date} to ${t.exit_date}`}>
          {instrumentLabel(t.symbol)}
        </Link>
      ) },
    { key: "entry", header: "Entry", value: (t) => t.entry_date, render: (t) => t.entry_date },
    { key: "entry_price", header: "Entry price", numeric: true, drop: 3, value: (t) => t.entry_price, render: (t) => inr(t.entry_price) },
    { key: "exit", header: "Exit", value: (t) => t.exit_date, render: (t) => t.exit_date },
    { key: "exit_price", header: "Exit price", numeric: true, drop: 3, value: (t) => t.exit_price, render: (t) => inr(t.exit_price) },
    { key: "qty", header: "Qty", numeric: true, value: (t) => t.quantity, render: (t) => qty(t.quantity) },
    { key: "days", header: "Days", numeric: true, drop: 2, value: (t) => t.bars_held, render: (t) => t.bars_held },
    { key: "pnl", header: "Net P&L", numeric: true, card: "aside", value: (t) => t.pnl, render: (t) => <Money value={t.pnl} pnl /> },
    { key: "pnl_pct", header: "Return", numeric: true, value: (t) => t.pnl_pct, render: (t) => <span className={dir(Number(t.pnl_pct))}>{pct(t.pnl_pct, { signed: true })}</span> },
    { key: "charges", header: "Charges", numeric: true, drop: 1, value: (t) => t.charges, render: (t) => inr(t.charges) },
    { key: "reason", header: "Exit reason", value: (t) => exitReasonName(t.exit_reason), render: (t) => exitReasonName(t.exit_reason) },
  ];
  return (
    <Card withBorder component="section" aria-label="Trades">
      <Group justify="space-between" mb="xs" wrap="wrap" align="end">
        <Title order={3} size="h6">Trades ({rows.length} of {run.trades.length})</Title>
        <Group gap="xs" wrap="wrap" align="end">
          <TextInput size="xs" label="Symbol" placeholder="INFY" value={filter.symbol} onChange={(e) => { const symbol = e.currentTarget.value; setFilter((f) => ({ ...f, symbol })); }} w={120} />
          <Select size="xs" label="Exit reason" data={reasons} value={filter.reason} clearable placeholder="Any"
            onChange={(reason) => setFilter((f) => ({ ...f, reason }))} w={190} />
          <SegmentedControl size="xs" aria-label="Outcome" value={filter.outcome}
            onChange={(v) => setFilter((f) => ({ ...f, outcome: v as TradeFilter["outcome"] }))}
            data={[{ value: "all", label: "All" }, { value: "wins", label: "Winners" }, { value: "losses", label: "Losers" }]} />
        </Group>
      </Group>
      <Text size="xs" c="dimmed" mb={4}>A symbol opens its chart with the trade's entry and exit marked.</Text>
      <DataTable caption="Trades" columns={columns} rows={rows} rowKey={(t) => t.key} csvName={`backtest-${run.id}-trades`}
        initialSort={{ key: "entry" }} empty="No trade matches." pageSize={50} />
    </Card>
  );
}

/** A run's results: charts first (equity against the benchmark, drawdown, months), then tables. */
export function RunResults({ run }: { run: Run }) {
  const equity = useMemo(() => [equitySeries(run, run.strategy_name, RUN_COLOURS[0] as string), benchmarkSeries(run)], [run]);
  const drawdown = useMemo<Series[]>(() => [{
    name: "Drawdown", color: "#495057", area: true,
    points: run.equity_curve.map((d) => ({ time: d.date, value: Number(d.drawdown) })),
  }], [run]);
  return (
    <Stack gap="md">
      {run.summary.synthetic === true && (
        <Alert color="gray" variant="outline" role="note">
          <Badge color="#9a3412" variant="filled" mr="xs">Synthetic data</Badge>
          These candles are simulated, not real prices: the figures show how the engine works, not how the strategy would have done.
        </Alert>
      )}
      {run.provisional_calendar && (
        <Alert color="gray">Some days are past NSE's published holiday list: every weekday there was assumed to trade.</Alert>
      )}
      <SummaryCards run={run} />
      <Card withBorder component="section" aria-label="Equity">
        <Title order={3} size="h6" mb="xs">Equity against the benchmark</Title>
        <LineChart series={equity} format={lakhCrore} ticks={moneyTicks} label={`Equity of ${run.strategy_name} against ${universeName(run.config.universe)}, ${run.equity_curve.length} days`} />
      </Card>
      <Card withBorder component="section" aria-label="Drawdown">
        <Title order={3} size="h6" mb="xs">Drawdown</Title>
        <LineChart series={drawdown} format={percentAxis} ticks={percentTicks} height={160} label={`Drawdown, deepest ${pct(figure(run.summary, "max_drawdown"))}`} />
      </Card>
      <Card withBorder component="section" aria-label="Monthly returns">
        <Title order={3} size="h6" mb="xs">Monthly returns</Title>
        <MonthlyHeatmap run={run} />
      </Card>
      <Breakdowns run={run} />
      <TradeList run={run} />
    </Stack>
  );
}
