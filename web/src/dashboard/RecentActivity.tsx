import { Badge, Group, Stack, Text } from "@mantine/core";
import { istDateTime } from "@/format";

interface Activity {
  at?: string;
  symbol?: string;
  signal_type?: string;
  status?: string;
  gtt_status?: string | null;
  reason?: string | null;
}

/** The portfolio's latest signals and what became of them (times in IST). */
export function RecentActivity({ rows }: { rows: Record<string, unknown>[] }) {
  if (rows.length === 0) return <Text c="dimmed" size="sm">No activity yet.</Text>;
  return (
    <Stack gap={4} role="list" aria-label="Recent activity">
      {(rows as Activity[]).map((a, i) => (
        <Group key={i} role="listitem" justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" truncate>
            <b>{(a.symbol ?? "").replace(/^NSE:/, "")}</b> {a.signal_type} {a.reason ? `(${a.reason})` : ""}
          </Text>
          <Group gap={6} wrap="nowrap">
            <Badge size="sm" variant="outline" color="gray.8">{a.status}</Badge>
            <Text size="xs" c="dimmed" visibleFrom="sm">{istDateTime(a.at)}</Text>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
