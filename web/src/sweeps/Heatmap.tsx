import { Box, Table, Text } from "@mantine/core";
import type { HeatGrid } from "./sweepForm";

/** Green for gains, red for losses, stronger with size (direction only, as elsewhere). */
function shade(value: number | null, scale: number, higherIsBetter: boolean): string {
  if (value === null || scale === 0) return "transparent";
  const good = higherIsBetter ? value >= 0 : value <= 0;
  const strength = Math.min(1, Math.abs(value) / scale);
  const alpha = (0.12 + 0.6 * strength).toFixed(2);
  return good ? `rgba(18, 150, 80, ${alpha})` : `rgba(210, 50, 50, ${alpha})`;
}

interface Props {
  title: string;
  grid: HeatGrid;
  xLabel: string;
  yLabel: string;
  format: (value: number | null) => string;
  /** the larger magnitude of both parts, so the two maps share one colour scale */
  scale: number;
  higherIsBetter: boolean;
}

/** A metric over two parameters as a table of coloured cells (rows: y, columns: x). */
export function Heatmap({ title, grid, xLabel, yLabel, format, scale, higherIsBetter }: Props) {
  return (
    <Box component="figure" m={0} aria-label={title} style={{ minWidth: 0 }}>
      <Text component="figcaption" fw={600} size="sm" mb={4}>{title}</Text>
      <Box style={{ overflowX: "auto" }}>
        <Table withTableBorder withColumnBorders horizontalSpacing={6} verticalSpacing={4} fz="xs"
          style={{ fontVariantNumeric: "tabular-nums" }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col"><Text size="xs" c="dimmed">{yLabel} ↓ · {xLabel} →</Text></Table.Th>
              {grid.xs.map((x) => <Table.Th key={x} scope="col" ta="right">{x}</Table.Th>)}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {grid.ys.map((y, j) => (
              <Table.Tr key={y}>
                <Table.Th scope="row">{y}</Table.Th>
                {grid.xs.map((x, i) => {
                  const value = grid.cells[j]?.[i] ?? null;
                  return (
                    <Table.Td key={x} ta="right" style={{ background: shade(value, scale, higherIsBetter) }}
                      title={`${yLabel} ${y}, ${xLabel} ${x}: ${format(value)}`}>
                      {format(value)}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Box>
    </Box>
  );
}
