// An agent-run portfolio's link to the local agent: whether it is polling (a warning once it
// has missed three polls: its signals wait in the cart meanwhile), and the margins it last
// synced from the portfolio's broker, and what the agent places for it (a GTT or an
// immediate order: its `agent_placement`, changed here).
import { Alert, Anchor, Badge, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { inr, istDateTime } from "@/format";
import { agentHealth, brokerName, HEALTH, sinceText } from "@/settings/agentStatus";
import { useAgentPositions, useAgentStatus } from "@/settings/tradingAgentApi";
import { PortfolioPlacement } from "@/portfolios/AgentPlacementChoice";
import { Section } from "./Section";

export function AgentPanel({ broker, portfolioId, placement }: { broker: string; portfolioId: number; placement: string }) {
  const status = useAgentStatus();
  const positions = useAgentPositions();
  const agents = status.data?.agents ?? [];
  const health = agentHealth(agents);
  const latest = agents[0];
  const snap = positions.data?.find((s) => s.broker === broker);
  const margins = snap?.margins;
  const name = brokerName(broker);
  return (
    <Section title={`Placed by your agent at ${name}`} extra={<Badge color={HEALTH[health].color} variant="filled">{HEALTH[health].label}</Badge>}>
      <Stack gap="xs">
        {status.error && <Alert color="red" role="alert">{status.error.message}</Alert>}
        {status.data?.warning && (
          <Alert color="red.9" variant="filled" role="alert" title="The agent is not polling">
            {status.data.warning} Signals of this portfolio wait in its cart until it polls again.
          </Alert>
        )}
        {health === "none" && status.data && (
          <Text size="sm">
            No agent has polled yet: install and start <code>tradertape-agent</code> with a key from{" "}
            <Anchor component={Link} to="/settings/agent">Settings → Trading agent</Anchor>.
          </Text>
        )}
        {latest && (
          <Text size="sm">
            Last poll {istDateTime(latest.last_poll_at)} ({sinceText(latest.seconds_since_poll)}) · version {latest.version ?? "unknown"} ·
            every {latest.poll_interval} s
          </Text>
        )}
        <PortfolioPlacement id={portfolioId} placement={placement} />
        {margins ? (
          <Group gap="lg" wrap="wrap">
            <Text size="sm">Available cash <b>{inr(margins.available_cash ?? null)}</b></Text>
            <Text size="sm">Used <b>{inr(margins.used ?? null)}</b></Text>
            <Text size="sm">Net <b>{inr(margins.net ?? null)}</b></Text>
            <Text size="sm" c="dimmed">
              {name} margins as the agent synced them {snap ? istDateTime(snap.as_of) : ""}
              {snap?.obfuscated ? " (scaled by its secret factor)" : ""}
            </Text>
          </Group>
        ) : (
          positions.data && <Text size="sm" c="dimmed">No margins from {name} yet: the agent sends them with its positions each cycle.</Text>
        )}
      </Stack>
    </Section>
  );
}
