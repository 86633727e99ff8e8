import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/api/errors";
import { Money } from "@/components/Money";
import { ProvisionalCalendar } from "@/components/ProvisionalCalendar";
import { inr, instrumentLabel, qty, words } from "@/format";
import { placeCart, type Signal, signalAction, useModelAction } from "@/portfolios/modelApi";
import { ConfirmButton } from "./ConfirmButton";
import { placementText } from "./placement";

const describe = (s: Signal) => `${s.side.toUpperCase()} ${instrumentLabel(s.symbol)}`;

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} className="num" ta="left">{children}</Text>
    </div>
  );
}

function SignalCard({ signal, onError }: { signal: Signal; onError: (m: string) => void }) {
  const approve = useModelAction(signalAction("approve"));
  const unapprove = useModelAction(signalAction("unapprove"));
  const reject = useModelAction(signalAction("reject"));
  const busy = approve.isPending || unapprove.isPending || reject.isPending;
  const fail = (e: unknown) => onError(e instanceof ApiError ? e.message : String(e));
  const carted = signal.status === "in_cart";
  const conviction = signal.conviction_score ?? signal.conviction;
  return (
    <Card withBorder padding="sm" role="listitem" aria-label={`${describe(signal)} signal`}>
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Group gap={6}>
          <Text fw={700}>{instrumentLabel(signal.symbol)}</Text>
          <Badge variant="outline" color="gray.8">{signal.signal_type} {signal.side}</Badge>
          {carted && <Badge color="blue.9">In cart</Badge>}
          <ProvisionalCalendar provisional={signal.provisional_calendar} />
        </Group>
        {/* an exit or add-on has no rank: nothing, rather than "#—" */}
        {signal.conviction_rank != null && <Text size="sm" c="dimmed">#{signal.conviction_rank}</Text>}
      </Group>
      <SimpleGrid cols={{ base: 3, sm: 6 }} spacing={6} mb="xs">
        <Figure label="Rank">{signal.conviction_rank ?? "—"}</Figure>
        <Figure label="Conviction">{conviction === null || conviction === undefined ? "—" : conviction.toFixed(2)}</Figure>
        <Figure label="Quantity">{qty(signal.quantity)}</Figure>
        <Figure label="Amount"><Money value={signal.amount} /></Figure>
        <Figure label="Trigger"><Money value={signal.trigger_price} /></Figure>
        <Figure label="Limit"><Money value={signal.limit_price} /></Figure>
      </SimpleGrid>
      {signal.reason && <Text size="xs" c="dimmed" mb="xs">{words(signal.reason)}</Text>}
      <Group gap="xs" grow>
        {carted ? (
          <Button size="sm" variant="default" loading={unapprove.isPending} disabled={busy}
            aria-label={`Unapprove ${instrumentLabel(signal.symbol)}`} title="Take it out of the cart"
            onClick={() => unapprove.mutateAsync(signal.id).catch(fail)}>Unapprove</Button>
        ) : (
          <Button size="sm" loading={approve.isPending} disabled={busy}
            aria-label={`Approve ${instrumentLabel(signal.symbol)}`}
            onClick={() => approve.mutateAsync(signal.id).catch(fail)}>Approve</Button>
        )}
        <Button size="sm" variant="default" loading={reject.isPending} disabled={busy}
          aria-label={`Reject ${instrumentLabel(signal.symbol)}`}
          onClick={() => reject.mutateAsync(signal.id).catch(fail)}>Reject</Button>
      </Group>
    </Card>
  );
}

/** The signal cart: approve or reject each signal, approve all, then place the cart (an
 *  agent-run portfolio's, `agentBroker` named, is handed to the local agent). */
export function SignalCart({ portfolioId, signals, agentBroker }: { portfolioId: number; signals: Signal[]; agentBroker?: string }) {
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const approveOne = useModelAction(signalAction("approve"));
  const place = useModelAction(placeCart);
  const pending = signals.filter((s) => s.status === "pending_approval");
  const carted = signals.filter((s) => s.status === "in_cart");

  const approveAll = async () => {
    setMessage(null);
    for (const s of pending) {
      try {
        await approveOne.mutateAsync(s.id);
      } catch (e) {
        setMessage({ text: `${instrumentLabel(s.symbol)}: ${e instanceof ApiError ? e.message : String(e)}`, ok: false });
        return;
      }
    }
  };

  const placeAll = async () => {
    const result = await place.mutateAsync(portfolioId);
    setMessage({ ok: Object.keys(result.failed).length === 0, text: placementText(result, agentBroker) });
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">{pending.length} awaiting approval · {carted.length} in the cart</Text>
        <Group gap="xs">
          <Button size="sm" variant="default" disabled={pending.length === 0} loading={approveOne.isPending}
            onClick={() => void approveAll()}>Approve all</Button>
          <ConfirmButton size="sm" disabled={carted.length === 0} title="Place the cart?"
            confirm={agentBroker ? "Hand to the agent" : "Place orders"}
            onConfirm={placeAll}
            body={
              <Stack gap="xs">
                <Text size="sm">
                  {agentBroker
                    ? `Your agent places these at ${agentBroker} from your machine on its next poll: entries as GTT triggers, exits as orders.`
                    : "Entries go out as GTT triggers (a limit order when the trigger is hit); exits as orders now."}
                </Text>
                <Table fz="sm">
                  <Table.Thead>
                    <Table.Tr><Table.Th>Signal</Table.Th><Table.Th ta="right">Qty</Table.Th><Table.Th ta="right">Trigger</Table.Th><Table.Th ta="right">Amount</Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {carted.map((s) => (
                      <Table.Tr key={s.id}>
                        <Table.Td>{describe(s)}</Table.Td>
                        <Table.Td className="num">{qty(s.quantity)}</Table.Td>
                        <Table.Td className="num">{inr(s.trigger_price)}</Table.Td>
                        <Table.Td className="num">{inr(s.amount)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            }>
            Place cart ({carted.length})
          </ConfirmButton>
        </Group>
      </Group>
      {message && (
        <Alert color={message.ok ? "blue" : "red"} role={message.ok ? "status" : "alert"} withCloseButton
          onClose={() => setMessage(null)} closeButtonLabel="Dismiss">{message.text}</Alert>
      )}
      {signals.length === 0 ? (
        <Text c="dimmed" size="sm">No signals waiting. The next scan fills the cart.</Text>
      ) : (
        <Stack gap="xs" role="list" aria-label="Signal cart">
          {signals.map((s) => <SignalCard key={s.id} signal={s} onError={(text) => setMessage({ text, ok: false })} />)}
        </Stack>
      )}
    </Stack>
  );
}
