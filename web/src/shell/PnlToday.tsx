import { Group, Text } from "@mantine/core";
import { Money } from "@/components/Money";
import { inr } from "@/format";
import { dailyLossLimit, useRiskState } from "./deskApi";

/** Today's P&L and, when a daily-loss rule exists, today's loss against its limit. */
export function PnlToday() {
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
