import { Badge, Group, Stack, Text } from "@mantine/core";
import type { components } from "@/api/client";
import { instrumentLabel, istDateTime, words } from "@/format";

type Activity = components["schemas"]["ActivityRow"];

/** The portfolio's latest signals and what became of them (times in IST). A reason that
 * only repeats the signal's type (an add-on's is "addon") is not said twice. */
export function RecentActivity({ rows }: { rows: Activity[] }) {
  if (rows.length === 0) return <Text c="dimmed" size="sm">No activity yet.</Text>;
  return (
    <Stack gap={4} role="list" aria-label="Recent activity">
      {rows.map((a, i) => (
        <Group key={i} role="listitem" justify="space-between" align="flex-start" style={{ rowGap: 0, columnGap: "var(--mantine-spacing-xs)" }}>
          {/* the status and time keep their width (a badge once read "Pending appr") and go under
              the words when the column is narrow */}
          <Text size="sm">
            <b>{instrumentLabel(a.symbol)}</b> {words(a.signal_type).toLowerCase()} {a.reason && a.reason !== a.signal_type ? `(${words(a.reason).toLowerCase()})` : ""}
          </Text>
          <Group gap={6} wrap="nowrap" ml="auto" style={{ flexShrink: 0 }}>
            <Badge size="sm" variant="outline" color="gray.8">{words(a.status)}</Badge>
            <Text size="xs" c="dimmed" visibleFrom="sm">{istDateTime(a.at)}</Text>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
