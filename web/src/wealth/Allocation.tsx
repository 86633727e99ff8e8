import { Box, Group, RingProgress, Stack, Text } from "@mantine/core";
import { Money } from "@/components/Money";
import { ASSET_COLOURS, allocationShares, assetName } from "./wealthWords";

/** Net worth by asset class: a ring, and beside it each class's value and share. */
export function Allocation({ parts }: { parts: { asset: string; value: string; share: string }[] }) {
  const shares = allocationShares(parts);
  if (shares.length === 0) return <Text size="sm" c="dimmed">Nothing held yet.</Text>;
  const words = shares.map((s) => `${assetName(s.asset)} ${s.pct.toFixed(1)}%`).join(", ");
  return (
    <Group gap="lg" wrap="wrap" align="center">
      <Box role="img" aria-label={`Asset allocation: ${words}`}>
        <RingProgress size={140} thickness={16} roundCaps={false}
          sections={shares.map((s) => ({ value: s.pct, color: ASSET_COLOURS[s.asset] ?? "gray.6" }))} />
      </Box>
      <Stack gap={6} component="ul" aria-label="Allocation by asset" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {shares.map((s) => (
          <Group component="li" key={s.asset} gap="xs" wrap="nowrap">
            <Box w={12} h={12} bg={ASSET_COLOURS[s.asset] ?? "gray.6"} style={{ borderRadius: 2 }} aria-hidden />
            <Text size="sm" w={110}>{assetName(s.asset)}</Text>
            <Text size="sm" fw={600}><Money value={s.value} decimals={0} /></Text>
            <Text size="sm" c="dimmed">{s.pct.toFixed(1)}%</Text>
          </Group>
        ))}
      </Stack>
    </Group>
  );
}
