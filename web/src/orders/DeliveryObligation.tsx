// The physical delivery an open stock F&O position owes if held to expiry (the API's
// `delivery`, shown from 4 trading days before it): buy or sell how many shares at what
// price, their value, the delivery margin, and shares owed beyond those held.
import { Badge, Group, Text } from "@mantine/core";
import { inr, istDate, qty } from "@/format";
import type { Holding, Position } from "./books";

type Obligation = NonNullable<Position["delivery"]>;

/** "Buy 500 RELIANCE at ₹1,200.00 · value ₹6,00,000.00 · expiry 29 Dec 2026, in 4 trading days" */
export function deliveryWords(d: Obligation): string {
  const verb = d.side === "BUY" ? "Buy" : "Sell";
  const when = d.days_to_expiry === 0
    ? "expiry today"
    : `expiry ${istDate(d.expiry)}, in ${d.days_to_expiry} trading day${d.days_to_expiry === 1 ? "" : "s"}`;
  return `${verb} ${qty(d.quantity)} ${d.underlying} at ${inr(d.price)} · value ${inr(d.value)} · ${when}`;
}

export function DeliveryObligation({ row }: { row: Position }) {
  const d = row.delivery;
  if (!d) return null;
  const short = d.shares_short ?? 0;
  return (
    <Group gap={6} wrap="wrap" mt={4} role="note" aria-label={`Physical delivery: ${deliveryWords(d)}`}>
      <Badge size="sm" variant="light" color={short > 0 ? "orange" : "blue"}>Physical delivery</Badge>
      <Text size="xs">{deliveryWords(d)}</Text>
      {d.margin != null && <Text size="xs" c="dimmed">Delivery margin {inr(d.margin)}</Text>}
      {short > 0 && (
        <Text size="xs" fw={600} c="orange.9">
          Short by {qty(short)} shares: you hold {qty(d.shares_held ?? 0)}
        </Text>
      )}
    </Group>
  );
}

/** A holding below zero: shares delivered (sold) without being held, owed to the exchange. */
export function SharesOwed({ row }: { row: Holding }) {
  const held = (row.quantity ?? 0) + (row.t1_quantity ?? 0);
  if (held >= 0) return null;
  return (
    <Badge size="sm" variant="light" color="orange" ml={6} aria-label={`Short delivery: ${qty(-held)} shares owed`}>
      {qty(-held)} owed
    </Badge>
  );
}
