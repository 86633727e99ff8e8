// The payoff chart: P&L at expiry (solid) and under the what-if (dashed) across spot, with
// zero, the index now and the breakevens marked. Every figure is the API's.
import { Group, Text } from "@mantine/core";
import { inr, lakhCrore, signedInr } from "@/format";
import type { Payoff } from "./optionApi";
import { scale } from "./payoffChart";

const W = 640;
const H = 260;
const PAD = 36;

export function PayoffChart({ payoff, label }: { payoff: Payoff; label: string }) {
  const s = scale(payoff, { width: W, height: H, pad: PAD });
  const spot = Number(payoff.spot);
  const what = Number(payoff.scenario.spot);
  const ticks = [s.high, (s.high + s.low) / 2, s.low];
  return (
    <figure style={{ margin: 0 }} aria-label={label}>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`${label}: at expiry and under the what-if`} style={{ maxHeight: 300 }}>
        <rect x={PAD} y={PAD} width={W - 2 * PAD} height={Math.max(s.zeroY - PAD, 0)} fill="var(--mantine-color-teal-light)" opacity={0.35} />
        <rect x={PAD} y={s.zeroY} width={W - 2 * PAD} height={Math.max(H - PAD - s.zeroY, 0)} fill="var(--mantine-color-red-light)" opacity={0.35} />
        <line x1={PAD} x2={W - PAD} y1={s.zeroY} y2={s.zeroY} stroke="var(--mantine-color-dimmed)" strokeWidth={1} />
        {ticks.map((v) => (
          <text key={v} x={4} y={s.y(v) + 4} fontSize={10} fill="var(--mantine-color-dimmed)">{lakhCrore(v)}</text>
        ))}
        <text x={PAD} y={H - 8} fontSize={10} fill="var(--mantine-color-dimmed)">{inr(s.minSpot, 0)}</text>
        <text x={W - PAD} y={H - 8} fontSize={10} textAnchor="end" fill="var(--mantine-color-dimmed)">{inr(s.maxSpot, 0)}</text>
        <line x1={s.x(spot)} x2={s.x(spot)} y1={PAD} y2={H - PAD} stroke="var(--mantine-color-blue-6)" strokeDasharray="2 3" />
        <text x={s.x(spot)} y={PAD - 6} fontSize={10} textAnchor="middle" fill="var(--mantine-color-blue-7)">Now {inr(spot, 0)}</text>
        {what !== spot && <line x1={s.x(what)} x2={s.x(what)} y1={PAD} y2={H - PAD} stroke="var(--mantine-color-grape-6)" strokeDasharray="4 2" />}
        {payoff.breakevens.map((b) => (
          <circle key={String(b)} cx={s.x(Number(b))} cy={s.zeroY} r={3.5} fill="var(--mantine-color-orange-6)" />
        ))}
        <polyline points={s.expiry} fill="none" stroke="var(--mantine-color-text)" strokeWidth={2} data-series="at-expiry" />
        <polyline points={s.today} fill="none" stroke="var(--mantine-color-grape-6)" strokeWidth={1.5} strokeDasharray="5 3" data-series="today" />
      </svg>
      <Group gap="md" justify="center">
        <Text size="xs">━ At expiry</Text>
        <Text size="xs">╍ Today (what-if): {signedInr(payoff.pnl_today)}</Text>
        <Text size="xs">● Breakeven</Text>
      </Group>
    </figure>
  );
}
