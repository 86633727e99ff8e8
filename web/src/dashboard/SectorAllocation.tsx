import { Group, Progress, Stack, Text } from "@mantine/core";
import { Money } from "@/components/Money";
import { toNumber } from "@/format";

/** Rupees held per sector, as the API values them, largest first. */
export function SectorAllocation({ sectors }: { sectors: Record<string, string> }) {
  const rows = Object.entries(sectors).sort((a, b) => (toNumber(b[1]) ?? 0) - (toNumber(a[1]) ?? 0));
  if (rows.length === 0) return <Text c="dimmed" size="sm">Nothing held.</Text>;
  const top = toNumber(rows[0]?.[1]) || 1;
  return (
    <Stack gap={6} role="list" aria-label="Sector allocation">
      {rows.map(([sector, value]) => (
        <div key={sector} role="listitem">
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <Text size="sm" truncate>{sector}</Text>
            <Text size="sm"><Money value={value} decimals={0} /></Text>
          </Group>
          <Progress value={((toNumber(value) ?? 0) / top) * 100} size="sm" aria-hidden />
        </div>
      ))}
    </Stack>
  );
}
