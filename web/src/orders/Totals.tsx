// The totals strip over a book's rows: label above figure, wrapping on a phone.
import { Group, Paper, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { Money } from "@/components/Money";
import { pct } from "@/format";
import { useTicks } from "@/ticks/useTick";
import { type Holding, type Position, symbolOf } from "./books";
import { holdingTotals, positionTotals } from "./totals";

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0} role="group" aria-label={label}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} size="lg">{children}</Text>
    </Stack>
  );
}

function Strip({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Paper withBorder p="sm" mb="sm" component="section" aria-label={label}>
      <Group gap="xl" wrap="wrap" style={{ rowGap: "var(--mantine-spacing-xs)" }}>{children}</Group>
    </Paper>
  );
}

const Percent = ({ value }: { value: number | null }) =>
  value === null ? null : <Text span size="sm" c="dimmed"> {pct(value, { signed: true })}</Text>;

/** Kite's holdings summary: total investment, current value, the day's P&L, the total P&L. */
export function HoldingsTotals({ rows }: { rows: readonly Holding[] }) {
  const tick = useTicks(rows.map(symbolOf));
  const t = holdingTotals(rows, (r) => tick(symbolOf(r))?.ltp);
  return (
    <Strip label="Holdings totals">
      <Figure label="Total investment"><Money value={t.invested} /></Figure>
      <Figure label="Current value"><Money value={t.current} /></Figure>
      <Figure label="Day's P&L"><Money value={t.day} pnl /><Percent value={t.dayPct} /></Figure>
      <Figure label="Total P&L"><Money value={t.pnl} pnl /><Percent value={t.pnlPct} /></Figure>
    </Strip>
  );
}

/** The positions' total P&L and the day's M2M, the sums of the rows shown. */
export function PositionsTotals({ rows }: { rows: readonly Position[] }) {
  const tick = useTicks(rows.map(symbolOf));
  const t = positionTotals(rows, (r) => tick(symbolOf(r))?.ltp);
  return (
    <Strip label="Positions totals">
      <Figure label="Total P&L"><Money value={t.pnl} pnl /></Figure>
      <Figure label="M2M today"><Money value={t.m2m} pnl /></Figure>
    </Strip>
  );
}
