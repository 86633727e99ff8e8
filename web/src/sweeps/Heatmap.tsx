import { Box, Menu, Table, Text, UnstyledButton } from "@mantine/core";
import type { ReactNode } from "react";
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
  /** open the run of a variant (by its index); cells are buttons when given */
  onOpen?: (index: number) => void;
  /** a variant's values in words, for a cell's menu and its label */
  describe?: (index: number) => string;
}

/** A cell that opens its variant's run, or offers its variants' runs when it averages several. */
function CellOpener({ variants, label, figure, onOpen, describe, children }: {
  variants: number[]; label: string; figure: string; onOpen: (index: number) => void; describe: (index: number) => string;
  children: ReactNode;
}) {
  // a button's name starts with the figure it shows (what a voice user reads out to press it)
  const button = (props: Record<string, unknown>) => (
    <UnstyledButton w="100%" ta="right" fz="xs" style={{ textDecoration: "underline dotted", textUnderlineOffset: 2 }} {...props}>
      {children}
    </UnstyledButton>
  );
  const [only] = variants;
  if (variants.length === 1 && only !== undefined) {
    return button({ "aria-label": `${figure}: open the run of ${describe(only)}`, title: `${label}: open its run`, onClick: () => onOpen(only) });
  }
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>{button({ "aria-label": `${figure}: runs of ${label}`, title: `${label}: averages ${variants.length} variants` })}</Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Open the run of</Menu.Label>
        {variants.map((i) => <Menu.Item key={i} onClick={() => onOpen(i)}>{describe(i)}</Menu.Item>)}
      </Menu.Dropdown>
    </Menu>
  );
}

/** A metric over two parameters as a table of coloured cells (rows: y, columns: x). */
export function Heatmap({ title, grid, xLabel, yLabel, format, scale, higherIsBetter, onOpen, describe }: Props) {
  return (
    <Box component="figure" m={0} aria-label={title} style={{ minWidth: 0 }}>
      <Text component="figcaption" fw={600} size="sm" mb={4}>{title}</Text>
      <Box style={{ overflowX: "auto" }}>
        <Table withTableBorder withColumnBorders horizontalSpacing={6} verticalSpacing={4} fz="xs"
          style={{ fontVariantNumeric: "tabular-nums" }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col"><Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>{yLabel} ↓ · {xLabel} →</Text></Table.Th>
              {grid.xs.map((x) => <Table.Th key={x} scope="col" ta="right">{x}</Table.Th>)}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {grid.ys.map((y, j) => (
              <Table.Tr key={y}>
                <Table.Th scope="row">{y}</Table.Th>
                {grid.xs.map((x, i) => {
                  const value = grid.cells[j]?.[i] ?? null;
                  const variants = grid.variants[j]?.[i] ?? [];
                  const where = `${yLabel} ${y}, ${xLabel} ${x}`;
                  return (
                    <Table.Td key={x} ta="right" style={{ background: shade(value, scale, higherIsBetter) }}
                      title={`${where}: ${format(value)}`}>
                      {onOpen && describe && variants.length > 0 ? (
                        <CellOpener variants={variants} label={where} figure={format(value)} onOpen={onOpen} describe={describe}>
                          {format(value)}
                        </CellOpener>
                      ) : format(value)}
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
