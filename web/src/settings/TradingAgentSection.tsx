// Settings → Trading agent: the local agent's heartbeat (last poll, version, health, a warning
// when it has gone quiet for three intervals), its keys, and what it last synced from each broker.
import { Alert, Badge, Button, Group, Stack, Switch, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { inr, istDateTime, plain, qty } from "@/format";
import { agentHealth, sinceText } from "./agentStatus";
import { AgentKeysSection } from "./KeysSection";

type AgentState = components["schemas"]["AgentStateOut"];
type Holding = components["schemas"]["AgentHoldingOut"];
type Position = components["schemas"]["AgentPositionOut"];

const HEALTH = {
  none: { color: "gray.8", label: "Not connected" },
  ok: { color: "teal.9", label: "Polling" },
  stale: { color: "red.9", label: "Not polling" },
  revoked: { color: "#9a3412", label: "Key revoked" },
} as const;

function AgentStatus() {
  const status = useQuery({
    queryKey: ["trading-agent", "status"],
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/status")),
    refetchInterval: 15_000,
  });
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
        The local agent (<code>pip install tradertape-agent</code>) places the signals of portfolios whose executor is the agent, from
        your machine. It polls with an agent key; create one below and give it to <code>tradertape-agent configure</code>.
      </Text>
      {status.error && <Alert color="red">{status.error.message}</Alert>}
      {status.data?.warning && <Alert color="red" title="The agent is not polling">{status.data.warning}</Alert>}
      <DataTable caption="Agents" columns={columns} rows={agents} rowKey={(a) => a.key_id} empty="No agent has polled yet." />
    </Stack>
  );
}

const OBFUSCATION_KEY = ["trading-agent", "obfuscation"];

// The account's "upload obfuscation" switch: the agent scales what it syncs and uploads by a
// factor kept only on the user's machine; the cloud keeps the factor's fingerprint.
function Obfuscation() {
  const client = useQueryClient();
  const state = useQuery({
    queryKey: OBFUSCATION_KEY,
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/obfuscation")),
  });
  const change = useMutation({
    mutationFn: async (body: { on: boolean; forget_factor?: boolean }) =>
      unwrap(await api.PUT("/api/trading-agent/obfuscation", { body })),
    onSuccess: (saved) => client.setQueryData(OBFUSCATION_KEY, saved),
  });
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
  const holdings = useQuery({
    queryKey: ["trading-agent", "holdings"],
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/holdings")),
  });
  const positions = useQuery({
    queryKey: ["trading-agent", "positions"],
    queryFn: async () => unwrap(await api.GET("/api/trading-agent/positions")),
  });
  const holdingColumns: Column<Holding>[] = [
    { key: "symbol", header: "Symbol", render: (h) => `${h.exchange}:${h.tradingsymbol}`, value: (h) => h.tradingsymbol },
    { key: "qty", header: "Qty", render: (h) => qty(h.quantity), value: (h) => h.quantity, numeric: true },
    { key: "avg", header: "Avg price", render: (h) => plain(h.average_price), value: (h) => h.average_price, numeric: true },
    { key: "ltp", header: "Last", render: (h) => plain(h.last_price), value: (h) => h.last_price, numeric: true },
  ];
  const positionColumns: Column<Position>[] = [
    { key: "symbol", header: "Symbol", render: (p) => `${p.exchange}:${p.tradingsymbol}`, value: (p) => p.tradingsymbol },
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
