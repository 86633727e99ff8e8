// The payoff chart: P&L at expiry (solid) and under the what-if (dashed) across spot, with
// zero, the index now and the breakevens marked. Every figure is the API's. Drawn at the size
// it is shown (its labels stay 11 px on a phone), its P&L axis at round steps in one unit.
import { Group, Text } from "@mantine/core";
import { useElementSize } from "@mantine/hooks";
import { inr, moneyTicks, niceTicks, signedInr } from "@/format";
import type { Payoff } from "./optionApi";
import { scale } from "./payoffChart";

const H = 260;
const PAD = 24; // above (the "Now" label), below (the spot range) and right
const FONT = 11;
/** About how wide a label of `text` is at FONT px (digits and ₹ are near 0.6 em). */
const textWidth = (text: string) => text.length * FONT * 0.62;

export function PayoffChart({ payoff, label }: { payoff: Payoff; label: string }) {
  const { ref, width } = useElementSize();
  const W = Math.round(width) || 640;
  const range = scale(payoff, { width: W, height: H, pad: PAD });
  const ticks = niceTicks(range.low, range.high, 5);
  const labels = moneyTicks(ticks);
  const left = Math.ceil(8 + Math.max(0, ...labels.map(textWidth)));
  const s = scale(payoff, { width: W, height: H, pad: PAD, left });
  const spot = Number(payoff.spot);
  const what = Number(payoff.scenario.spot);
  const now = `Now ${inr(spot, 0)}`;
  const half = textWidth(now) / 2;
  const nowX = Math.min(Math.max(s.x(spot), half + 2), W - half - 2); // whole, near an edge too
  return (
    <figure style={{ margin: 0 }} aria-label={label} ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`${label}: at expiry and under the what-if`}
        style={{ display: "block", maxWidth: "100%" }}>
        <rect x={left} y={PAD} width={W - left - PAD} height={Math.max(s.zeroY - PAD, 0)} fill="var(--mantine-color-teal-light)" opacity={0.35} />
        <rect x={left} y={s.zeroY} width={W - left - PAD} height={Math.max(H - PAD - s.zeroY, 0)} fill="var(--mantine-color-red-light)" opacity={0.35} />
        {ticks.map((v, i) => (
          <g key={v}>
            <line x1={left} x2={W - PAD} y1={s.y(v)} y2={s.y(v)} stroke="var(--mantine-color-default-border)" strokeWidth={v === 0 ? 0 : 0.5} />
            <text x={left - 6} y={s.y(v) + 4} fontSize={FONT} textAnchor="end" fill="var(--mantine-color-dimmed)">{labels[i]}</text>
          </g>
        ))}
        <line x1={left} x2={W - PAD} y1={s.zeroY} y2={s.zeroY} stroke="var(--mantine-color-dimmed)" strokeWidth={1} />
        <text x={left} y={H - 6} fontSize={FONT} fill="var(--mantine-color-dimmed)">{inr(s.minSpot, 0)}</text>
        <text x={W - PAD} y={H - 6} fontSize={FONT} textAnchor="end" fill="var(--mantine-color-dimmed)">{inr(s.maxSpot, 0)}</text>
        <line x1={s.x(spot)} x2={s.x(spot)} y1={PAD} y2={H - PAD} stroke="var(--mantine-color-blue-6)" strokeDasharray="2 3" />
        <text x={nowX} y={PAD - 8} fontSize={FONT} textAnchor="middle" fill="var(--mantine-color-blue-7)">{now}</text>
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
