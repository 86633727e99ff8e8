import { Anchor, Badge, Group } from "@mantine/core";
import { Link } from "react-router";
import { useBrokerStatus } from "./deskApi";

const NAMES: Record<string, string> = { kite: "Kite", upstox: "Upstox", groww: "Groww", paper: "Paper" };

/** The broker session: connected, or expired with a way to log in again (Settings). */
export function BrokerSession() {
  const status = useBrokerStatus();
  if (!status.data) return null;
  const configured = status.data.brokers.filter((b) => b.configured);
  const active = status.data.active_broker;
  if (configured.length === 0) {
    return <Badge variant="outline" color="gray.8" aria-label="Broker">{NAMES[active] ?? active} broker</Badge>;
  }
  const expired = configured.filter((b) => !b.connected);
  if (expired.length === 0) {
    return <Badge variant="outline" color="blue.9" aria-label="Broker">{configured.map((b) => NAMES[b.broker] ?? b.broker).join(", ")} connected</Badge>;
  }
  return (
    <Group gap={4} wrap="nowrap">
      {expired.map((b) => (
        <Group key={b.broker} gap={4} wrap="nowrap">
          <Badge color="#9a3412" variant="filled">{NAMES[b.broker] ?? b.broker} session {b.status.replace(/_/g, " ")}</Badge>
          <Anchor component={Link} to="/settings" size="sm">Log in to {NAMES[b.broker] ?? b.broker}</Anchor>
        </Group>
      ))}
    </Group>
  );
}
