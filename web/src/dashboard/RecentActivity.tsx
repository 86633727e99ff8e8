import { Badge, Group, Stack, Text } from "@mantine/core";
import type { components } from "@/api/client";
import { instrumentLabel, istDateTime, words } from "@/format";

type Activity = components["schemas"]["ActivityRow"];

/** The portfolio's latest signals and what became of them (times in IST). */
export function RecentActivity({ rows }: { rows: Activity[] }) {
  if (rows.length === 0) return <Text c="dimmed" size="sm">No activity yet.</Text>;
  return (
    <Stack gap={4} role="list" aria-label="Recent activity">
      {rows.map((a, i) => (
        <Group key={i} role="listitem" justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" truncate>
            <b>{instrumentLabel(a.symbol)}</b> {words(a.signal_type).toLowerCase()} {a.reason ? `(${words(a.reason).toLowerCase()})` : ""}
          </Text>
          <Group gap={6} wrap="nowrap">
            <Badge size="sm" variant="outline" color="gray.8">{words(a.status)}</Badge>
            <Text size="xs" c="dimmed" visibleFrom="sm">{istDateTime(a.at)}</Text>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
