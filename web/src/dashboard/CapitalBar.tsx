import { Group, Progress, Stack, Text } from "@mantine/core";
import { Money } from "@/components/Money";
import { toNumber } from "@/format";

const PARTS = [
  { key: "free", label: "Free", color: "gray.5" },
  { key: "deployed", label: "Deployed", color: "blue.7" },
  { key: "committed", label: "Committed", color: "grape.6" },
] as const;

/** Free / deployed / committed capital as the API reports them, as one bar and figures. */
export function CapitalBar({ capital }: { capital: Record<string, string> }) {
  const values = PARTS.map((p) => Math.max(toNumber(capital[p.key]) ?? 0, 0));
  const whole = values.reduce((a, b) => a + b, 0) || 1;
  return (
    <Stack gap={6}>
      <Progress.Root size="lg" aria-hidden>
        {PARTS.map((p, i) => (
          <Progress.Section key={p.key} value={((values[i] ?? 0) / whole) * 100} color={p.color} />
        ))}
      </Progress.Root>
      <Group gap="lg" wrap="wrap">
        {PARTS.map((p) => (
          <Group key={p.key} gap={6} wrap="nowrap">
            <Text size="sm" c="dimmed">{p.label}</Text>
            <Text size="sm" fw={600} data-testid={`capital-${p.key}`}><Money value={capital[p.key]} /></Text>
          </Group>
        ))}
      </Group>
    </Stack>
  );
}
