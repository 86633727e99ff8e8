// The payoff at entry of any entry of a run: the position as its legs went in, at expiry,
// across the entry's spot ± 10 %, with zero, the spot then and the breakevens marked. Every
// figure is the API's (`payoffs`); this only draws them.
import { Card, Group, NativeSelect, Text, Title } from "@mantine/core";
import { useElementSize } from "@mantine/hooks";
import { useState } from "react";
import { inr, istDate, moneyTicks, niceTicks } from "@/format";
import type { OptionPayoff } from "./optionBacktestApi";

const H = 220;
const PAD = 20;
const LEFT = 76; // the P&L labels

function Curve({ payoff }: { payoff: OptionPayoff }) {
  const { ref, width } = useElementSize();
  const W = Math.round(width) || 600;
  const spots = payoff.points.map((p) => p.spot);
  const pnls = payoff.points.map((p) => p.pnl);
  const [minS, maxS] = [Math.min(...spots), Math.max(...spots)];
  const ticks = niceTicks(Math.min(0, ...pnls), Math.max(0, ...pnls), 5);
  const [low, high] = [Math.min(...ticks, ...pnls), Math.max(...ticks, ...pnls)];
  const x = (s: number) => LEFT + ((s - minS) / (maxS - minS || 1)) * (W - LEFT - PAD);
  const y = (v: number) => PAD + ((high - v) / (high - low || 1)) * (H - 2 * PAD);
  const labels = moneyTicks(ticks);
  return (
    <figure ref={ref} style={{ margin: 0 }} aria-label={`Payoff at expiry of the entry on ${istDate(payoff.day)}`}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" style={{ display: "block", maxWidth: "100%" }}
        aria-label={`P&L at expiry from ${inr(minS, 0)} to ${inr(maxS, 0)}; breakevens ${payoff.breakevens.map((b) => inr(b, 0)).join(", ") || "none"}`}>
        {ticks.map((v, i) => (
          <g key={v}>
            <line x1={LEFT} x2={W - PAD} y1={y(v)} y2={y(v)} stroke="var(--mantine-color-default-border)" strokeWidth={v === 0 ? 1.2 : 0.5} />
            <text x={LEFT - 6} y={y(v) + 4} fontSize={11} textAnchor="end" fill="var(--mantine-color-dimmed)">{labels[i]}</text>
          </g>
        ))}
        <line x1={x(payoff.spot)} x2={x(payoff.spot)} y1={PAD} y2={H - PAD} stroke="var(--mantine-color-blue-6)" strokeDasharray="2 3" />
        {payoff.breakevens.map((b) => <circle key={b} cx={x(b)} cy={y(0)} r={3.5} fill="var(--mantine-color-orange-6)" />)}
        <polyline fill="none" stroke="var(--mantine-color-text)" strokeWidth={2}
          points={payoff.points.map((p) => `${x(p.spot).toFixed(1)},${y(p.pnl).toFixed(1)}`).join(" ")} />
        <text x={LEFT} y={H - 4} fontSize={11} fill="var(--mantine-color-dimmed)">{inr(minS, 0)}</text>
        <text x={W - PAD} y={H - 4} fontSize={11} textAnchor="end" fill="var(--mantine-color-dimmed)">{inr(maxS, 0)}</text>
      </svg>
    </figure>
  );
}

/** Pick an entry; its payoff at expiry as entered. */
export function EntryPayoffCard({ payoffs }: { payoffs: OptionPayoff[] }) {
  const [chosen, setChosen] = useState(0);
  const payoff = payoffs[Math.min(chosen, payoffs.length - 1)];
  if (!payoff) return null;
  const entry = (p: OptionPayoff) => `${istDate(p.day)}${p.entry_time ? `, ${p.entry_time.slice(0, 5)} IST` : ""}`;
  return (
    <Card withBorder component="section" aria-label="Payoff at entry">
      <Group justify="space-between" wrap="wrap" gap="xs" mb="xs">
        <Title order={3} size="h6">Payoff at entry</Title>
        <NativeSelect size="xs" aria-label="Entry" value={String(chosen)} onChange={(e) => setChosen(Number(e.currentTarget.value))}
          data={payoffs.map((p, i) => ({ value: String(i), label: `Entry ${p.trade_set + 1}: ${entry(p)}` }))} />
      </Group>
      <Curve payoff={payoff} />
      <Text size="xs" c="dimmed">
        At expiry ({istDate(payoff.expiry)}), before charges; ┆ the index at entry, {inr(payoff.spot)};
        ● breakevens {payoff.breakevens.map((b) => inr(b)).join(" and ") || "none in this span"}.
      </Text>
    </Card>
  );
}
