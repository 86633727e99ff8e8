// Runs' figures side by side, as the comparisons show them (equity runs, options runs): a
// table with a column per run on a wide screen, a card per figure on a phone; where a figure
// differs it says so, and the best run's value is bold (and named for a screen reader).
import { Card, Group, Stack, Table, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import type { ReactNode } from "react";
import { RUN_COLOURS } from "@/components/LineChart";
import type { Metric, MetricRow } from "./analysis";

export interface ComparedRun {
  key: number;
  /** The column's heading (a link to the run, say). */
  label: ReactNode;
  /** What a phone card names the run by ("#12"). */
  short: string;
}

export function MetricsCompared({ rows, runs, show }: {
  rows: MetricRow[];
  runs: ComparedRun[];
  show: (metric: Metric, value: number | null) => string;
}) {
  const phone = useMediaQuery("(max-width: 36em)");
  if (phone) {
    return (
      <Stack gap={6} role="list" aria-label="Metrics compared">
        {rows.map((row) => (
          <Card key={row.metric.key} withBorder padding={6} role="listitem" aria-label={`${row.metric.label}${row.differs ? " (differs)" : ""}`}>
            <Text size="sm" fw={600}>{row.metric.label}{row.differs && <Text span c="dimmed" size="xs"> · differs</Text>}</Text>
            {row.values.map((v, i) => (
              <Group key={i} justify="space-between" gap="xs" wrap="nowrap">
                <Text size="xs"><span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>{runs[i]?.short}</Text>
                <Text size="sm" className="num" fw={row.best === i ? 700 : undefined}>
                  {show(row.metric, v)}{row.best === i ? " (best)" : ""}
                </Text>
              </Group>
            ))}
          </Card>
        ))}
      </Stack>
    );
  }
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table fz="sm" aria-label="Metrics compared" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Metric</Table.Th>
            {runs.map((r, i) => (
              <Table.Th key={r.key} ta="right">
                <span style={{ color: RUN_COLOURS[i] }} aria-hidden>━ </span>{r.label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.metric.key} data-differs={row.differs || undefined}
              aria-label={`${row.metric.label}${row.differs ? " (differs)" : ""}`}>
              <Table.Th scope="row" fw={row.differs ? 600 : 400}>
                {row.metric.label}{row.differs && <Text span c="dimmed" size="xs"> · differs</Text>}
              </Table.Th>
              {row.values.map((v, i) => (
                <Table.Td key={i} className="num" fw={row.best === i ? 700 : undefined}
                  style={row.best === i ? { background: "var(--mantine-color-blue-light)" } : undefined}>
                  {show(row.metric, v)}{row.best === i && <span className="visually-hidden"> (best)</span>}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
