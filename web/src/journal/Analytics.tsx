// The journal's analytics: the Edge Finder (per symbol, in four buckets) and Patterns (results
// by holding period, size, day, after a loss, ...). Win rates, expectancy and totals are the
// API's; the page groups and orders them.
import { Anchor, Badge, Button, Card, Group, Loader, Modal, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { instrumentName, qty } from "@/format";
import type { Scope } from "@/family/scope";
import { Notice } from "@/orders/Notice";
import {
  type Edge, type PatternBucket, type PatternDimension, type PatternStrategy, startBacktest, strategyFromFinding, useEdge, usePatterns,
} from "./journalApi";
import { EDGE_BUCKETS, bucketLabel, dimensionName, fractionPct, inNaturalOrder, problem, riskReward } from "./journalWords";

const edgeColumns: Column<Edge>[] = [
  {
    key: "symbol", header: "Symbol", value: (e) => e.symbol,
    render: (e) => (
      <Group gap={4} wrap="nowrap">
        <Text size="sm" fw={600}>{instrumentName(e.symbol)}</Text>
        {e.warnings.map((w) => <Badge key={w} size="xs" variant="filled" color="#9a3412">{w}</Badge>)}
      </Group>
    ),
  },
  { key: "count", header: "Trades", numeric: true, render: (e) => qty(e.count), value: (e) => e.count },
  { key: "win", header: "Win rate", numeric: true, render: (e) => fractionPct(e.win_rate, 1), value: (e) => e.win_rate },
  { key: "expectancy", header: "Expectancy a trade (₹)", numeric: true, render: (e) => <Money value={e.expectancy} pnl />, value: (e) => e.expectancy },
  { key: "winner", header: "Avg. winner (₹)", numeric: true, render: (e) => <Money value={e.average_winner} />, value: (e) => e.average_winner },
  { key: "loser", header: "Avg. loser (₹)", numeric: true, render: (e) => <Money value={e.average_loser} />, value: (e) => e.average_loser },
  { key: "rr", header: "Risk-reward", numeric: true, render: (e) => riskReward(e.risk_reward), value: (e) => e.risk_reward },
  { key: "total", header: "Total (₹)", numeric: true, render: (e) => <Money value={e.total} pnl />, value: (e) => e.total },
];

function EdgeCards({ rows }: { rows: Edge[] }) {
  return (
    <Stack gap="xs">
      {rows.map((e) => (
        <Card withBorder key={e.symbol} p="sm" component="article" aria-label={instrumentName(e.symbol)}>
          <Group justify="space-between" wrap="nowrap">
            <div>
              <Group gap={4}>
                <Text fw={600}>{instrumentName(e.symbol)}</Text>
                {e.warnings.map((w) => <Badge key={w} size="xs" variant="filled" color="#9a3412">{w}</Badge>)}
              </Group>
              <Text size="xs" c="dimmed">
                {qty(e.count)} trades · wins {fractionPct(e.win_rate, 1)} · risk-reward {riskReward(e.risk_reward)}
              </Text>
            </div>
            <Stack gap={0} align="flex-end">
              <Text fw={700}><Money value={e.expectancy} pnl /></Text>
              <Text size="xs" c="dimmed">a trade</Text>
            </Stack>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}

export function EdgeTab({ scope }: { scope: Scope }) {
  const edge = useEdge(scope);
  const phone = useMediaQuery("(max-width: 48em)");
  if (edge.isPending) return <Loader aria-label="Loading the Edge Finder" />;
  if (edge.error) return <Notice role="alert" color="red">{problem(edge.error)}</Notice>;
  const { symbols, min_trades } = edge.data;
  return (
    <Stack gap="md">
      <Text size="sm">
        Per symbol, over every closed trade (a close, net of charges): how often it wins, what a trade earns on
        average (expectancy), and the average winner against the average loser. Symbols with fewer than{" "}
        {min_trades} trades are not judged.
      </Text>
      {symbols.length === 0 && <Text c="dimmed">No closed trades yet.</Text>}
      {EDGE_BUCKETS.map((b) => {
        const rows = symbols.filter((s) => s.bucket === b.key);
        return (
          <Card withBorder key={b.key} component="section" aria-label={b.title}>
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h5">{b.title}</Title>
              <Text size="sm" c="dimmed">{rows.length === 1 ? "1 symbol" : `${qty(rows.length)} symbols`}</Text>
            </Group>
            <Text size="xs" c="dimmed" mb="xs">{b.hint}</Text>
            {rows.length === 0 ? <Text size="sm" c="dimmed">No symbols here.</Text> : phone ? <EdgeCards rows={rows} /> : (
              <DataTable caption={b.title} columns={edgeColumns} rows={rows} rowKey={(e) => e.symbol} empty="None." />
            )}
          </Card>
        );
      })}
    </Stack>
  );
}

const patternColumns: Column<PatternBucket>[] = [
  { key: "label", header: "Bucket", render: (b) => bucketLabel(b.label) },
  { key: "count", header: "Trades", numeric: true, render: (b) => qty(b.count) },
  { key: "win", header: "Win rate", numeric: true, render: (b) => fractionPct(b.win_rate, 1) },
  { key: "expectancy", header: "Expectancy a trade (₹)", numeric: true, render: (b) => <Money value={b.expectancy} pnl /> },
  { key: "total", header: "Total P&L (₹)", numeric: true, render: (b) => <Money value={b.total} pnl /> },
];

interface Finding {
  dimension: string;
  bucket: PatternBucket;
}

/** A finding saved as a strategy, then its backtest started or its form opened. */
function FindingDialog({ finding, onClose }: { finding: Finding | null; onClose: () => void }) {
  const navigate = useNavigate();
  const [made, setMade] = useState<PatternStrategy | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setMade(null);
    setError(null);
    onClose();
  };
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  };
  const save = () => act(async () => {
    if (finding) setMade(await strategyFromFinding(finding.dimension, finding.bucket.label));
  });
  const run = () => act(async () => {
    if (made) await navigate(`/backtests/runs/${await startBacktest(made.backtest)}`);
  });
  const what = finding ? `${dimensionName(finding.dimension)}: ${bucketLabel(finding.bucket.label)}` : "";
  return (
    <Modal opened={finding !== null} onClose={close} title="Turn this finding into a strategy" centered closeButtonProps={{ "aria-label": "Close" }}>
      {finding && (
        <Stack gap="sm">
          <Text size="sm">
            <b>{what}</b>: {qty(finding.bucket.count)} trades, {fractionPct(finding.bucket.win_rate, 1)} won, expectancy{" "}
            <Money value={finding.bucket.expectancy} pnl /> a trade.
          </Text>
          {made ? (
            <>
              <Notice color="teal" role="status" title={`Saved: ${made.name}`}>
                <Text size="sm">{made.rule}. Exits and ranking are V1 Momentum's.</Text>
                <Text size="xs" c="dimmed" mt={4}>{made.caveat}</Text>
              </Notice>
              <Text size="sm">
                The backtest covers {made.backtest.start_date} to {made.backtest.end_date} on{" "}
                {typeof made.backtest.universe === "string" ? made.backtest.universe.replace(/_/g, " ").toUpperCase() : `${made.backtest.universe.length} stocks of the sector`}.
              </Text>
              <Group gap="xs">
                <Button onClick={() => void run()} loading={busy}>Run the backtest</Button>
                <Button variant="default" component={Link} to={`/backtests?strategy=${made.strategy_id}`}>Open the backtest form</Button>
                <Anchor component={Link} to={`/strategies/${made.strategy_id}/edit`} size="sm">Edit the strategy</Anchor>
              </Group>
            </>
          ) : (
            <>
              <Text size="sm">
                This saves a strategy in your library: V1 Momentum with this finding as its rule, ready to backtest over
                the years of your journal. Nothing is traded.
              </Text>
              <Group gap="xs">
                <Button onClick={() => void save()} loading={busy}>Save as a strategy</Button>
                <Button variant="default" onClick={close}>Cancel</Button>
              </Group>
            </>
          )}
          {error && <Text size="sm" c="red.8" role="alert">{error}</Text>}
        </Stack>
      )}
    </Modal>
  );
}

function PatternBuckets({ d, phone, onPick }: { d: PatternDimension; phone: boolean; onPick?: (b: PatternBucket) => void }) {
  const rows = inNaturalOrder(d.buckets);
  const action = onPick
    ? (b: PatternBucket) => (
        <Button size="compact-xs" variant="default" onClick={() => onPick(b)}
          aria-label={`Backtest ${dimensionName(d.name)}: ${bucketLabel(b.label)}`}>Backtest</Button>
      )
    : undefined;
  if (!phone) {
    return <DataTable caption={dimensionName(d.name)} columns={patternColumns} rows={rows} rowKey={(b) => b.label} rowActions={action} />;
  }
  return (
    <Stack gap={6}>
      {rows.map((b) => (
        <Group key={b.label} justify="space-between" wrap="nowrap" gap="xs">
          <div>
            <Text size="sm" fw={600}>{bucketLabel(b.label)}</Text>
            <Text size="xs" c="dimmed">{qty(b.count)} trades · wins {fractionPct(b.win_rate, 1)} · total <Money value={b.total} pnl /></Text>
          </div>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" fw={700}><Money value={b.expectancy} pnl /></Text>
            {action?.(b)}
          </Group>
        </Group>
      ))}
    </Stack>
  );
}

export function PatternsTab({ scope }: { scope: Scope }) {
  const patterns = usePatterns(scope);
  const phone = useMediaQuery("(max-width: 48em)") ?? false;
  const [finding, setFinding] = useState<Finding | null>(null);
  if (patterns.isPending) return <Loader aria-label="Loading patterns" />;
  if (patterns.error) return <Notice role="alert" color="red">{problem(patterns.error)}</Notice>;
  const { dimensions, not_computed } = patterns.data;
  const mine = scope.kind === "me";
  return (
    <Stack gap="md">
      <Text size="sm">
        Your closed trades cut different ways: what a trade earns on average (expectancy) in each bucket, how often
        it wins, and the total. A bucket that stands out about the market (RSI, trend, volatility, holding period,
        sector) can be saved as a strategy and backtested.
      </Text>
      {!mine && <Text size="sm" c="dimmed" role="status">These are the family's trades together; findings become strategies from your own journal (only me).</Text>}
      {dimensions.length === 0 && <Text c="dimmed">No closed trades yet.</Text>}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        {dimensions.map((d) => (
          <Card withBorder key={d.name} component="section" aria-label={dimensionName(d.name)}>
            <Title order={2} size="h5" mb="xs">{dimensionName(d.name)}</Title>
            <PatternBuckets d={d} phone={phone}
              onPick={d.makes_rule && mine ? (b) => setFinding({ dimension: d.name, bucket: b }) : undefined} />
            {d.why_not && <Text size="xs" c="dimmed" mt="xs">Not a strategy rule: {d.why_not}</Text>}
          </Card>
        ))}
      </SimpleGrid>
      {not_computed.length > 0 && (
        <Text size="sm" c="dimmed">
          Not worked out yet, as they need market data for each trade:{" "}
          {not_computed.map((n) => dimensionName(n)).join(", ")}. Import the symbols' daily history (bhavcopies) to
          see them.
        </Text>
      )}
      <FindingDialog finding={finding} onClose={() => setFinding(null)} />
    </Stack>
  );
}
