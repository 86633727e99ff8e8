import { Group, Text } from "@mantine/core";
import { useAccount } from "@/account/account";
import { Money } from "@/components/Money";
import { inr } from "@/format";
import { ALL_BOOKS, symbolOf, usePositions } from "@/orders/books";
import { positionTotals } from "@/orders/totals";
import { useTicks } from "@/ticks/useTick";
import { dailyLossLimit, useRiskState } from "./deskApi";

/** Today's P&L of the account on screen (the header's switch): the paper account's with its
 * loss limit, or a broker's M2M today as its Positions page sums it. */
export function PnlToday() {
  const account = useAccount();
  return account.paper ? <PaperPnlToday /> : <BrokerPnlToday name={account.label} />;
}

function PaperPnlToday() {
  const state = useRiskState();
  if (!state.data) return null;
  const limit = dailyLossLimit(state.data);
  const { total, loss } = state.data.pnl_today;
  return (
    <Group gap={6} wrap="nowrap" aria-label="Today's P&L" role="group">
      <Text size="sm" c="dimmed">Today</Text>
      <Text size="sm" fw={600} data-testid="pnl-today"><Money value={total} pnl /></Text>
      <Text size="xs" c="dimmed" data-testid="loss-limit">
        {limit ? `${inr(loss)} of ${inr(limit)} limit` : "no loss limit"}
      </Text>
    </Group>
  );
}

function BrokerPnlToday({ name }: { name: string }) {
  const positions = usePositions(ALL_BOOKS);
  const rows = positions.data?.net ?? [];
  const tick = useTicks(rows.map(symbolOf));
  if (!positions.data) return null;
  const { m2m } = positionTotals(rows, (r) => tick(symbolOf(r))?.ltp);
  return (
    <Group gap={6} wrap="nowrap" aria-label={`Today's P&L, ${name}`} role="group">
      <Text size="sm" c="dimmed">Today · {name}</Text>
      <Text size="sm" fw={600} data-testid="pnl-today"><Money value={m2m} pnl /></Text>
    </Group>
  );
}
