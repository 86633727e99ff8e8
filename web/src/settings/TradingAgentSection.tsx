// Settings → Trading agent: the local agent's heartbeat (last poll, version, health, a warning
// when it has gone quiet for three intervals), its keys, and what it last synced from each broker.
import { Alert, Anchor, Badge, Button, Group, Stack, Switch, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { inr, istDateTime, plain, qty } from "@/format";
import { AGENT_INSTALL } from "./agentInstall";
import { agentHealth, HEALTH, sinceText } from "./agentStatus";
import { AgentKeysSection } from "./KeysSection";
import { InstrumentName } from "@/components/InstrumentName";
import {
  type AgentHolding as Holding,
  type AgentPosition as Position,
  type AgentState,
  useAgentHoldings,
  useAgentPositions,
  useAgentStatus,
  useChangeObfuscation,
  useObfuscation,
} from "./tradingAgentApi";


// The "latest version" banner: the newest agent this release ships, against the one polling.
function LatestVersion({ agents, latest }: { agents: AgentState[]; latest: string | null }) {
  if (!latest) return null;
  const mine = agents[0];
  const whatsNew = <Anchor component={Link} to="/settings/whats-new">What&apos;s new</Anchor>;
  if (mine?.outdated)
    return (
      <Alert color="yellow" c="black" role="status" title={`A newer agent is out: ${latest}`}>
        Yours is {mine.version}. Upgrade it from your clone of the repository (<code>git pull</code>, then <code>{AGENT_INSTALL}</code>) and restart it. {whatsNew}
      </Alert>
    );
  return (
    <Text size="sm">
      Latest agent: {latest}
      {mine?.version === latest ? " (yours is up to date)" : ""} · {whatsNew}
    </Text>
  );
}

function AgentStatus() {
  const status = useAgentStatus();
  const agents = status.data?.agents ?? [];
  const health = HEALTH[agentHealth(agents)];
  const columns: Column<AgentState>[] = [
    { key: "key", header: "Key", render: (a) => a.key_name, value: (a) => a.key_name },
    { key: "poll", header: "Last poll (IST)", render: (a) => `${istDateTime(a.last_poll_at)} (${sinceText(a.seconds_since_poll)})`, value: (a) => a.last_poll_at },
    { key: "version", header: "Version", render: (a) => a.version ?? "—" },
    { key: "health", header: "Health", render: (a) => a.health ?? "—" },
    { key: "interval", header: "Poll interval", render: (a) => `${a.poll_interval} s`, value: (a) => a.poll_interval, numeric: true },
    { key: "state", header: "State", render: (a) => (a.stale ? "Not polling" : "Polling") },
  ];
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Title order={2} size="h4">Trading agent</Title>
        <Badge color={health.color} variant="filled" role="status">{health.label}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        The local agent places the signals of portfolios whose executor is the agent, from your machine. Install it from a clone of
        the repository with <code>{AGENT_INSTALL}</code> (Python 3.10 or later, Node 20 or later to build its page). It polls with an agent key; create one below and give it to <code>tradertape-agent configure</code>.
      </Text>
      {status.error && <Alert color="red">{status.error.message}</Alert>}
      {status.data?.warning && <Alert color="red.9" variant="filled" role="alert" title="The agent is not polling">{status.data.warning}</Alert>}
      <LatestVersion agents={agents} latest={status.data?.latest_version ?? null} />
      <DataTable caption="Agents" columns={columns} rows={agents} rowKey={(a) => a.key_id} empty="No agent has polled yet." />
    </Stack>
  );
}

// The account's "upload obfuscation" switch: the agent scales what it syncs and uploads by a
// factor kept only on the user's machine; the cloud keeps the factor's fingerprint.
function Obfuscation() {
  const state = useObfuscation();
  const change = useChangeObfuscation();
  const on = state.data?.on ?? false;
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">Upload obfuscation</Title>
      <Switch
        label="Scale what the agent sends (holdings, positions, tradebooks) by its secret factor"
        checked={on}
        disabled={!state.data || change.isPending}
        onChange={(e) => change.mutate({ on: e.currentTarget.checked })}
      />
      <Text size="sm" c="dimmed">
        The factor stays on your machine; TraderTape then stores scaled figures only, and ratios such as returns and win rates stay
        the same. The agent applies the switch at its next poll.
      </Text>
      {state.data?.factor_known && (
        <Group gap="xs">
          <Text size="sm">Figures scaled with another factor than the agent&apos;s first are refused.</Text>
          <Button size="xs" variant="default" loading={change.isPending} onClick={() => change.mutate({ on, forget_factor: true })}>
            Forget the factor (after a lost one)
          </Button>
        </Group>
      )}
      {(state.error ?? change.error) && <Alert color="red">{(state.error ?? change.error)?.message}</Alert>}
    </Stack>
  );
}

function Synced() {
  const holdings = useAgentHoldings();
  const positions = useAgentPositions();
  const holdingColumns: Column<Holding>[] = [
    { key: "symbol", header: "Symbol", render: (h) => <InstrumentName symbol={h.tradingsymbol} exchange={h.exchange} />, value: (h) => h.tradingsymbol },
    { key: "qty", header: "Qty", render: (h) => qty(h.quantity), value: (h) => h.quantity, numeric: true },
    { key: "avg", header: "Avg price", render: (h) => plain(h.average_price), value: (h) => h.average_price, numeric: true },
    { key: "ltp", header: "Last", render: (h) => plain(h.last_price), value: (h) => h.last_price, numeric: true },
  ];
  const positionColumns: Column<Position>[] = [
    { key: "symbol", header: "Symbol", render: (p) => <InstrumentName symbol={p.tradingsymbol} exchange={p.exchange} />, value: (p) => p.tradingsymbol },
    { key: "product", header: "Product", render: (p) => p.product ?? "CNC" },
    { key: "qty", header: "Qty", render: (p) => qty(p.quantity), value: (p) => p.quantity, numeric: true },
    { key: "avg", header: "Avg price", render: (p) => plain(p.average_price), value: (p) => p.average_price, numeric: true },
    { key: "ltp", header: "Last", render: (p) => plain(p.last_price), value: (p) => p.last_price, numeric: true },
    { key: "pnl", header: "P&L", render: (p) => inr(p.pnl ?? null), value: (p) => p.pnl ?? null, numeric: true },
  ];
  const none = !holdings.data?.length && !positions.data?.length;
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">What the agent synced</Title>
      {none && <Text size="sm" c="dimmed">Nothing yet: the agent sends holdings, positions and margins each cycle.</Text>}
      {(holdings.data ?? []).map((snap) => (
        <Stack key={`h-${snap.broker}`} gap={4}>
          <Group gap="xs">
            <Text fw={600}>{snap.broker} holdings</Text>
            <Text size="sm" c="dimmed">as of {istDateTime(snap.as_of)}</Text>
            {snap.obfuscated && <Badge color="grape.9" variant="outline">Obfuscated: figures scaled by the agent</Badge>}
          </Group>
          <DataTable caption={`${snap.broker} holdings`} columns={holdingColumns} rows={snap.holdings} rowKey={(h) => `${h.exchange}:${h.tradingsymbol}`} empty="No holdings." />
        </Stack>
      ))}
      {(positions.data ?? []).map((snap) => (
        <Stack key={`p-${snap.broker}`} gap={4}>
          <Group gap="xs">
            <Text fw={600}>{snap.broker} positions</Text>
            <Text size="sm" c="dimmed">as of {istDateTime(snap.as_of)}</Text>
            {snap.obfuscated && <Badge color="grape.9" variant="outline">Obfuscated: figures scaled by the agent</Badge>}
          </Group>
          {snap.margins && (
            <Text size="sm">
              Available cash {inr(snap.margins.available_cash ?? null)} · used {inr(snap.margins.used ?? null)} · net {inr(snap.margins.net ?? null)}
            </Text>
          )}
          <DataTable caption={`${snap.broker} positions`} columns={positionColumns} rows={snap.positions} rowKey={(p) => `${p.exchange}:${p.tradingsymbol}:${p.product ?? "CNC"}`} empty="No positions." />
        </Stack>
      ))}
    </Stack>
  );
}

export function TradingAgentSection() {
  return (
    <Stack gap="xl">
      <AgentStatus />
      <AgentKeysSection />
      <Obfuscation />
      <Synced />
    </Stack>
  );
}
