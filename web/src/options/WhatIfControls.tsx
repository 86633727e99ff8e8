// What-if sliders: spot, IV shift and days to expiry. The API values the structure.
import { Button, Group, Slider, Stack, Text } from "@mantine/core";
import { inr } from "@/format";
import type { WhatIf } from "./optionApi";

export function WhatIfControls({ spotNow, daysNow, value, onChange }: {
  spotNow: number; daysNow: number; value: WhatIf; onChange: (w: WhatIf) => void;
}) {
  const spot = value.spot ?? spotNow;
  const days = value.days_to_expiry ?? daysNow;
  const step = Math.max(Math.round(spotNow / 2000) * 5, 1);
  return (
    <Stack gap={6} role="group" aria-label="What-if">
      <Group justify="space-between"><Text size="sm">Spot</Text><Text size="sm" className="num">{inr(spot, 0)}</Text></Group>
      <Slider thumbLabel="Spot" label={null} min={Math.round(spotNow * 0.9)} max={Math.round(spotNow * 1.1)} step={step} value={spot}
        onChangeEnd={(v) => onChange({ ...value, spot: v })} />
      <Group justify="space-between"><Text size="sm">IV change</Text><Text size="sm" className="num">{value.iv_shift > 0 ? "+" : ""}{value.iv_shift} pts</Text></Group>
      <Slider thumbLabel="IV change" label={null} min={-10} max={20} step={1} value={value.iv_shift} onChangeEnd={(v) => onChange({ ...value, iv_shift: v })} />
      <Group justify="space-between"><Text size="sm">Days to expiry</Text><Text size="sm" className="num">{days.toFixed(1)}</Text></Group>
      <Slider thumbLabel="Days to expiry" label={null} min={0} max={Math.max(Math.ceil(daysNow), 1)} step={0.5} value={Math.min(days, daysNow)}
        onChangeEnd={(v) => onChange({ ...value, days_to_expiry: v })} />
      <Group><Button size="compact-xs" variant="subtle" onClick={() => onChange({ spot: null, iv_shift: 0, days_to_expiry: null })}>Back to now</Button></Group>
    </Stack>
  );
}
