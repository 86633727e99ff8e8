import { ActionIcon, Button, Card, Group, NativeSelect, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import { CloseIcon, CopyIcon } from "@/components/icons";
import { type LegValues, MAX_LEGS, newLeg, type StrikeMode } from "./optionDoc";

const EXPIRIES = [
  { value: "weekly:0", label: "Weekly (current)" },
  { value: "weekly:1", label: "Weekly (next)" },
  { value: "weekly:2", label: "Weekly (2 out)" },
  { value: "monthly:0", label: "Monthly (current)" },
  { value: "monthly:1", label: "Monthly (next)" },
];

const STRIKE_MODES: { value: StrikeMode; label: string; value_label: string }[] = [
  { value: "atm", label: "ATM ± strikes", value_label: "Strikes from ATM" },
  { value: "closest_premium", label: "Closest premium", value_label: "Premium (₹)" },
  { value: "premium_gte", label: "Premium ≥", value_label: "Premium at least (₹)" },
  { value: "premium_lte", label: "Premium ≤", value_label: "Premium at most (₹)" },
  { value: "delta", label: "Delta", value_label: "Delta (0 to 1)" },
  { value: "spot_pct", label: "% of spot", value_label: "% from spot" },
];

const UNITS = [
  { value: "", label: "None" },
  { value: "points", label: "Points" },
  { value: "pct", label: "% prem." },
  { value: "rupees", label: "₹ (leg)" },
];

const UNIT_SHORT: Record<string, string> = { points: "pts", pct: "%", rupees: "₹" };

/** One leg: what it is (type, side, lots, expiry, strike) on the first line, how it ends
 * (stop, target, trail, break-even, re-entry) on the second. */
function LegRow({ leg, index, errors, onChange, onCopy, onRemove, canCopy }: {
  leg: LegValues;
  index: number;
  errors: Record<string, string>;
  onChange: (leg: LegValues) => void;
  onCopy: () => void;
  onRemove: () => void;
  canCopy: boolean;
}) {
  const set = <K extends keyof LegValues>(key: K, value: LegValues[K]) => onChange({ ...leg, [key]: value });
  const err = (field: string) => errors[`legs.${index}.${field}`];
  const mode = STRIKE_MODES.find((m) => m.value === leg.strike_mode) ?? STRIKE_MODES[0];
  const unit = leg.sl_unit ? UNIT_SHORT[leg.sl_unit] : "pts";
  const name = `Leg ${index + 1}`;
  const whole = errors[`legs.${index}`];
  return (
    <Card withBorder padding="sm" role="group" aria-label={name} aria-invalid={whole ? true : undefined}>
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Group gap="xs" wrap="wrap">
          <Text fw={600} size="sm">{name}</Text>
          <SegmentedControl size="xs" aria-label={`${name} option type`} value={leg.option_type}
            onChange={(v) => set("option_type", v as LegValues["option_type"])} data={["CE", "PE", "FUT"]} />
          <SegmentedControl size="xs" aria-label={`${name} side`} value={leg.side}
            color={leg.side === "buy" ? "teal" : "red"}
            onChange={(v) => set("side", v as LegValues["side"])} data={[{ value: "buy", label: "Buy" }, { value: "sell", label: "Sell" }]} />
        </Group>
        <Group gap={4} wrap="nowrap">
          <Tooltip label="Copy this leg"><ActionIcon variant="subtle" aria-label={`Copy ${name}`} onClick={onCopy} disabled={!canCopy}><CopyIcon /></ActionIcon></Tooltip>
          <Tooltip label="Remove this leg"><ActionIcon variant="subtle" color="red" aria-label={`Remove ${name}`} onClick={onRemove}><CloseIcon /></ActionIcon></Tooltip>
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs" verticalSpacing={6}>
        <TextInput size="xs" label="Lots" inputMode="numeric" value={leg.lots} onChange={(e) => set("lots", e.currentTarget.value)} error={err("lots")} />
        <NativeSelect size="xs" label="Expiry" data={EXPIRIES} value={leg.expiry} onChange={(e) => set("expiry", e.currentTarget.value)} error={err("expiry")} />
        {leg.option_type === "FUT" ? (
          <Text size="xs" c="dimmed" style={{ gridColumn: "span 2", alignSelf: "end" }}>The future of that month (no strike).</Text>
        ) : (<>
        <NativeSelect size="xs" label="Strike by" data={STRIKE_MODES.map(({ value, label }) => ({ value, label }))} value={leg.strike_mode}
          onChange={(e) => {
            const m = e.currentTarget.value as StrikeMode;
            onChange({ ...leg, strike_mode: m, strike_value: m === "atm" ? "0" : m === "delta" ? "0.3" : m === "spot_pct" ? "1" : "100" });
          }} />
        <TextInput size="xs" label={mode?.value_label ?? "Strike"} inputMode="decimal" value={leg.strike_value}
          onChange={(e) => set("strike_value", e.currentTarget.value)} error={err("strike")} />
        </>)}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 2, sm: 5, lg: 9 }} spacing="xs" verticalSpacing={6} mt={6}>
        <NativeSelect size="xs" label="Stop-loss in" data={UNITS} value={leg.sl_unit} onChange={(e) => set("sl_unit", e.currentTarget.value as LegValues["sl_unit"])} />
        <TextInput size="xs" label="Stop-loss" inputMode="decimal" value={leg.sl_value} disabled={!leg.sl_unit}
          onChange={(e) => set("sl_value", e.currentTarget.value)} error={err("stop_loss")} />
        <NativeSelect size="xs" label="Target in" data={UNITS} value={leg.target_unit} onChange={(e) => set("target_unit", e.currentTarget.value as LegValues["target_unit"])} />
        <TextInput size="xs" label="Target" inputMode="decimal" value={leg.target_value} disabled={!leg.target_unit}
          onChange={(e) => set("target_value", e.currentTarget.value)} error={err("target")} />
        <TextInput size="xs" label={`Trail every (${unit})`} inputMode="decimal" value={leg.trail_every} placeholder="off"
          onChange={(e) => set("trail_every", e.currentTarget.value)} error={err("trailing")} />
        <TextInput size="xs" label={`Move stop by (${unit})`} inputMode="decimal" value={leg.trail_by} placeholder="off"
          onChange={(e) => set("trail_by", e.currentTarget.value)} />
        <TextInput size="xs" label={`Break-even at (${unit})`} inputMode="decimal" value={leg.break_even_at} placeholder="off"
          onChange={(e) => set("break_even_at", e.currentTarget.value)} error={err("break_even_at")} />
        <TextInput size="xs" label="Re-entries" inputMode="numeric" value={leg.reentry_times} placeholder="0"
          onChange={(e) => set("reentry_times", e.currentTarget.value)} error={err("reentry")} />
        <NativeSelect size="xs" label="Re-entry strike" data={[{ value: "reselect", label: "Re-pick" }, { value: "same", label: "Same" }]}
          value={leg.reentry_strike} onChange={(e) => set("reentry_strike", e.currentTarget.value as LegValues["reentry_strike"])} />
      </SimpleGrid>
      {whole && <Text role="alert" c="red.9" size="sm" mt={4}>{whole}</Text>}
    </Card>
  );
}

/** The legs, one card each, and the buttons that add one (a CE or a PE, sold ATM). */
export function LegBuilder({ legs, errors, onChange }: { legs: LegValues[]; errors: Record<string, string>; onChange: (legs: LegValues[]) => void }) {
  const full = legs.length >= MAX_LEGS;
  return (
    <Stack gap="xs">
      {legs.map((leg, i) => (
        <LegRow key={leg.key} leg={leg} index={i} errors={errors} canCopy={!full}
          onChange={(next) => onChange(legs.map((l, j) => (j === i ? next : l)))}
          onCopy={() => onChange([...legs.slice(0, i + 1), { ...leg, key: newLeg().key }, ...legs.slice(i + 1)])}
          onRemove={() => onChange(legs.filter((_, j) => j !== i))} />
      ))}
      {errors.legs && <Text role="alert" c="red.9" size="sm">{errors.legs}</Text>}
      <Group gap="xs">
        <Button size="xs" variant="default" disabled={full} onClick={() => onChange([...legs, newLeg({ option_type: "CE" })])}>Add CE leg</Button>
        <Button size="xs" variant="default" disabled={full} onClick={() => onChange([...legs, newLeg({ option_type: "PE" })])}>Add PE leg</Button>
        <Button size="xs" variant="default" disabled={full} onClick={() => onChange([...legs, newLeg({ option_type: "FUT", side: "buy", expiry: "monthly:0" })])}>Add future</Button>
        <Text size="xs" c="dimmed">{legs.length} of {MAX_LEGS} legs</Text>
      </Group>
    </Stack>
  );
}
