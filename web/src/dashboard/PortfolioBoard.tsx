import { Alert, Badge, Grid, Group, Loader, Stack, Text } from "@mantine/core";
import { universeName, words } from "@/format";
import { useMemo } from "react";
import { Money } from "@/components/Money";
import { ProvisionalCalendar } from "@/components/ProvisionalCalendar";
import { AgentPanel } from "./AgentPanel";
import { brokerName } from "@/settings/agentStatus";
import { useDashboard } from "@/portfolios/modelApi";
import { modeWords } from "@/portfolios/mode";
import { CapitalBar } from "./CapitalBar";
import { DataLabel } from "./DataLabel";
import { EquityChart, toPoints } from "./EquityChart";
import { waitingWords } from "./exitWorking";
import { PositionsPanel } from "./PositionsPanel";
import { useMarkedTotal } from "./livePnl";
import { RecentActivity } from "./RecentActivity";
import { SectorAllocation } from "./SectorAllocation";
import { Section } from "./Section";
import { SignalCart } from "./SignalCart";

/** The open positions' P&L: the sum of their rows, each at the LTP it shows. */
function Unrealised({ positions }: { positions: Parameters<typeof useMarkedTotal>[0] }) {
  return <Money value={useMarkedTotal(positions)} pnl />;
}

/** One model portfolio's dashboard as the API reports it; open P&L marked at the live LTP
 *  the position rows show, so the rows and their total agree on screen. */
export function PortfolioBoard({ id }: { id: number }) {
  const board = useDashboard(id);
  const equity = useMemo(() => toPoints(board.data?.equity_curve ?? [], "equity"), [board.data?.equity_curve]);
  const bench = useMemo(() => toPoints(board.data?.benchmark_curve ?? [], "value"), [board.data?.benchmark_curve]);
  if (board.isPending) return <Loader aria-label="Loading the dashboard" />;
  if (board.isError) return <Alert color="red" role="alert">{board.error.message}</Alert>;
  const d = board.data;
  const p = d.portfolio;
  return (
    <Stack gap="md">
      <Group gap="xs">
        <Badge variant="outline" color={p.status === "active" ? "blue.9" : "gray.8"}>{words(p.status)}</Badge>
        <Badge variant="outline" color="gray.8">{modeWords(p)} · {universeName(p.universe)}</Badge>
        <DataLabel synthetic={d.synthetic} source={d.data_source} />
        <ProvisionalCalendar provisional={p.last_scan_provisional} label="Last scan: provisional calendar" />
      </Group>
      {d.drift.length > 0 && (
        <Alert color="orange" title="Drift from the broker" role="alert">
          <Stack gap={2}>{d.drift.map((line) => <Text key={line} size="sm">{line}</Text>)}</Stack>
        </Alert>
      )}
      {p.executor === "agent" && <AgentPanel broker={p.broker} portfolioId={p.id} placement={p.agent_placement ?? "gtt"} />}
      <Section title="Capital" extra={
        <Group gap="md">
          <Text size="sm">Total <b data-testid="capital-total"><Money value={p.total_capital} /></b></Text>
          <Text size="sm">Unrealised <b data-testid="unrealised"><Unrealised positions={d.open_positions} /></b></Text>
          <Text size="sm">Realised <b data-testid="realised"><Money value={p.realised_pnl} pnl /></b></Text>
        </Group>
      }>
        <CapitalBar capital={d.capital} />
        {waitingWords(d.waiting_on_exits ?? []) && (
          <Text size="xs" c="orange.9" mt={4} data-testid="waiting-on-exits">{waitingWords(d.waiting_on_exits ?? [])}</Text>
        )}
      </Section>
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <Section title="Signal cart"><SignalCart portfolioId={id} signals={d.pending_signals}
              agentBroker={p.executor === "agent" ? brokerName(p.broker) : undefined} /></Section>
            <Section title={`Open positions (${d.open_positions.length})`}>
              <PositionsPanel positions={d.open_positions} name={p.name} />
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="md">
            <Section title="Equity against benchmark">
              <EquityChart equity={equity} benchmark={bench} benchmarkName={d.benchmark} />
            </Section>
            <Section title="Sector allocation"><SectorAllocation sectors={d.sector_allocation} /></Section>
            <Section title="Recent activity"><RecentActivity rows={d.recent_activity} /></Section>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
