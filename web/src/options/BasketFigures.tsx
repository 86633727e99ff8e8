// A basket's margin before it is sent, as the option chain's ticket and the alert form's
// basket both show it: with and without the hedge benefit, the charges and what you have.
// Every figure is the API's (one margin computation: `hedgeWords` only puts it in words).
import { Group, Stack, Text } from "@mantine/core";
import { inr } from "@/format";
import { type BasketMargin, hedgeWords } from "./basket";
import type { PayoffLeg } from "./optionApi";

function Figure({ label, value }: { label: string; value: string }) {
  return <div><Text size="xs" c="dimmed">{label}</Text><Text fw={600} className="num" aria-label={label}>{value}</Text></div>;
}

export function BasketFigures({ m, legs }: { m: BasketMargin; legs: Pick<PayoffLeg, "transaction_type" | "tradingsymbol">[] }) {
  const words = hedgeWords(m, legs);
  return (
    <Stack gap={4}>
      <Group gap="lg" role="group" aria-label="Basket margin">
        {words && <Figure label="Legs alone" value={inr(m.margin_without_hedge)} />}
        {words && <Figure label="Hedge benefit" value={inr(m.hedge_benefit)} />}
        <Figure label={m.source === "broker" ? "Margin needed (your broker's)" : "Margin needed (estimate)"} value={m.margin_required == null ? "—" : inr(m.margin_required)} />
        <Figure label="Charges" value={m.charges == null ? "—" : inr(m.charges)} />
        <Figure label="Available" value={inr(m.available)} />
      </Group>
      {words && <Text size="xs" c="dimmed" aria-label="Why the margin is what it is">{words}</Text>}
    </Stack>
  );
}
