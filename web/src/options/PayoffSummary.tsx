// The payoff's figures: premium, maximum profit and loss, breakevens, the what-if's P&L
// and the net greeks, as the API computed them.
import { SimpleGrid, Text } from "@mantine/core";
import { Money } from "@/components/Money";
import { inr } from "@/format";
import type { Payoff } from "./optionApi";

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} aria-label={label}>{children}</Text>
    </div>
  );
}

/** `brief`: the structure's own figures only (premium, extremes, breakevens), for a basket
 *  shown before it is placed, where no what-if is asked (the alert form's). */
export function PayoffSummary({ payoff, brief = false }: { payoff: Payoff; brief?: boolean }) {
  const premium = Number(payoff.net_premium);
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs" role="group" aria-label="Payoff at expiry">
      <Item label={premium >= 0 ? "Premium received" : "Premium paid"}><Money value={Math.abs(premium)} /></Item>
      <Item label="Max profit">{payoff.max_profit === null ? "Unlimited" : <Money value={payoff.max_profit} pnl />}</Item>
      <Item label="Max loss">{payoff.max_loss === null ? "Unlimited" : <Money value={payoff.max_loss} pnl />}</Item>
      <Item label="Breakevens">{payoff.breakevens.length ? payoff.breakevens.map((b) => inr(b, 2)).join(", ") : "None"}</Item>
      {!brief && (
        <>
          <Item label="P&L at the what-if"><Money value={payoff.pnl_today} pnl /></Item>
          <Item label="Delta">{payoff.greeks.delta.toFixed(2)}</Item>
          <Item label="Theta per day"><Money value={payoff.greeks.theta} pnl /></Item>
          <Item label="Vega per IV point"><Money value={payoff.greeks.vega} pnl /></Item>
        </>
      )}
    </SimpleGrid>
  );
}
