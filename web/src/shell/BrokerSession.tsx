import { Anchor, Badge, Group } from "@mantine/core";
import { Link } from "react-router";
import { useBrokerStatus } from "./deskApi";
import { brokerLabel, sessionEnded, sessionUntil } from "./brokerSessionWords";

/** The broker session: connected (until when, on hover), or ended with "log in again". */
export function BrokerSession() {
  const status = useBrokerStatus();
  if (!status.data) return null;
  const configured = status.data.brokers.filter((b) => b.configured);
  const active = status.data.active_broker;
  if (configured.length === 0) {
    return <Badge variant="outline" color="gray.8" aria-label="Broker">{brokerLabel(active)} broker</Badge>;
  }
  const expired = configured.filter((b) => !b.connected);
  if (expired.length === 0) {
    const until = configured.map(sessionUntil).filter((t): t is string => t !== null).join("; ");
    return (
      <Badge variant="outline" color="blue.9" aria-label="Broker" title={until || undefined}>
        {configured.map((b) => brokerLabel(b.broker)).join(", ")} connected
      </Badge>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      {expired.map((b) => (
        <Group key={b.broker} gap={4} wrap="nowrap">
          <Badge color="#9a3412" variant="filled">{sessionEnded(b)}</Badge>
          <Anchor component={Link} to="/settings" size="sm" aria-label={`Log in again to ${brokerLabel(b.broker)}`}>Log in again</Anchor>
        </Group>
      ))}
    </Group>
  );
}
