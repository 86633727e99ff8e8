import { Alert, Anchor, Loader, Stack, Table, Text } from "@mantine/core";
import { useQueries } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { Money } from "@/components/Money";
import { modelKeys, type Portfolio } from "@/portfolios/modelApi";
import { DataLabel } from "./DataLabel";
import { Section } from "./Section";
import { PositionsPanel } from "./PositionsPanel";

/** Every portfolio side by side (each row the API's own figures; nothing summed here). */
export function CombinedView({ portfolios, onOpen }: { portfolios: Portfolio[]; onOpen: (id: number) => void }) {
  const boards = useQueries({
    queries: portfolios.map((p) => ({
      queryKey: modelKeys.dashboard(p.id),
      queryFn: async () =>
        unwrap(await api.GET("/api/model/dashboard", { params: { query: { portfolio_id: p.id } } })),
      refetchInterval: 30_000,
    })),
  });
  if (boards.some((b) => b.isPending)) return <Loader aria-label="Loading the portfolios" />;
  const failed = boards.find((b) => b.isError);
  if (failed?.error) return <Alert color="red" role="alert">{failed.error.message}</Alert>;
  const rows = boards.flatMap((b) => (b.data ? [b.data] : []));
  return (
    <Stack gap="md">
      <Section title="All portfolios">
        <Table.ScrollContainer minWidth={720}>
          <Table striped fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Portfolio</Table.Th>
                <Table.Th ta="right">Free</Table.Th>
                <Table.Th ta="right">Deployed</Table.Th>
                <Table.Th ta="right">Committed</Table.Th>
                <Table.Th ta="right">Total</Table.Th>
                <Table.Th ta="right">Unrealised</Table.Th>
                <Table.Th ta="right">Positions</Table.Th>
                <Table.Th ta="right">Signals</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((d) => (
                <Table.Tr key={d.portfolio.id}>
                  <Table.Td>
                    <Anchor component="button" type="button" onClick={() => onOpen(d.portfolio.id)}>{d.portfolio.name}</Anchor>{" "}
                    <DataLabel synthetic={d.synthetic} source={d.data_source} />
                  </Table.Td>
                  <Table.Td className="num"><Money value={d.capital.free} /></Table.Td>
                  <Table.Td className="num"><Money value={d.capital.deployed} /></Table.Td>
                  <Table.Td className="num"><Money value={d.capital.committed} /></Table.Td>
                  <Table.Td className="num"><Money value={d.portfolio.total_capital} /></Table.Td>
                  <Table.Td className="num"><Money value={d.unrealised_pnl} pnl /></Table.Td>
                  <Table.Td className="num">{d.open_positions.length}</Table.Td>
                  <Table.Td className="num">{d.pending_signals.length}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>
      {rows.map((d) => (
        <Section key={d.portfolio.id} title={`${d.portfolio.name}: open positions`}>
          <PositionsPanel positions={d.open_positions} name={d.portfolio.name} />
        </Section>
      ))}
      {rows.length === 0 && <Text c="dimmed">No portfolios yet.</Text>}
    </Stack>
  );
}
