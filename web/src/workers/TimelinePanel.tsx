// The run's timeline, live: newest first, filtered by kind.
import { Group, Paper, ScrollArea, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { istTime } from "@/format";
import { eventWords, type Kind, kindWord, shown } from "./timeline";
import type { TimelineEvent } from "./workerApi";

const KINDS: { value: Kind; label: string }[] = [
  { value: "all", label: "All" },
  { value: "execution", label: "Execution" },
  { value: "decision", label: "Decisions" },
  { value: "protection", label: "Protection" },
];

export function TimelinePanel({ events }: { events: TimelineEvent[] }) {
  const [kind, setKind] = useState<Kind>("all");
  const rows = shown(events, kind);
  return (
    <Paper withBorder p="md" component="section" aria-label="Timeline">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h4">Timeline</Title>
          <SegmentedControl size="xs" aria-label="Kind of event" value={kind} onChange={(v) => setKind(v as Kind)} data={KINDS} />
        </Group>
        {/* focusable: a keyboard scrolls a long timeline (axe: scrollable-region-focusable) */}
        <ScrollArea.Autosize mah={420} viewportProps={{ tabIndex: 0 }}>
          <ol aria-label="Events" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {rows.map((e) => (
              <li key={e.cursor} style={{ padding: "6px 0", borderBottom: "1px solid var(--mantine-color-default-border)" }}>
                <Group gap="xs" wrap="nowrap" align="baseline">
                  <Text size="xs" c="dimmed" className="num" w={64} style={{ flexShrink: 0 }}>{istTime(e.created_at)}</Text>
                  <Text size="xs" fw={600} w={74} style={{ flexShrink: 0 }}>{kindWord(e.event_kind)}</Text>
                  <Text size="sm">{eventWords(e.event_type)}{e.summary ? `: ${e.summary}` : ""}</Text>
                </Group>
              </li>
            ))}
          </ol>
          {rows.length === 0 && <Text size="sm" c="dimmed">No events of this kind yet.</Text>}
        </ScrollArea.Autosize>
      </Stack>
    </Paper>
  );
}
