// An option run on the run page: its legs with where each stands (sent, open, filled,
// rejected, unwinding…), protection rules and verdict, and its payoff at expiry and today
// with what-if sliders (the API's figures).
import { Alert, Badge, Grid, Group, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { inr, qty, words } from "@/format";
import { InstrumentName } from "@/components/InstrumentName";
import { useOptionRun } from "@/workers/workerApi";
import { legState, partialEntryWords } from "./legState";
import { useRunPayoff, type WhatIf } from "./optionApi";
import { PayoffChart } from "./PayoffChart";
import { PayoffSummary } from "./PayoffSummary";
import { WhatIfControls } from "./WhatIfControls";

export default function OptionRunPanel({ runId }: { runId: number }) {
  const option = useOptionRun(runId, true);
  const [whatIf, setWhatIf] = useState<WhatIf>({ spot: null, iv_shift: 0, days_to_expiry: null });
  const payoff = useRunPayoff(runId, whatIf);
  if (option.isPending) return <Loader size="sm" aria-label="Loading the option run" />;
  if (option.error) return <Alert color="red" role="alert">{option.error.message}</Alert>;
  const o = option.data;
  const p = payoff.data;
  const verdict = o.protection_state;
  return (
    <Paper withBorder p="md" component="section" aria-label="Option structure">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">{o.strategy_name} · {o.underlying}</Title>
          <Badge variant="outline" color="gray.7">{words(o.status)}</Badge>
        </Group>
        <Table fz="sm" aria-label="Option legs">
          <Table.Thead><Table.Tr><Table.Th>Contract</Table.Th><Table.Th>Side</Table.Th><Table.Th>State</Table.Th><Table.Th ta="right">Qty</Table.Th><Table.Th ta="right">Held</Table.Th><Table.Th ta="right">Avg price</Table.Th><Table.Th ta="right">LTP</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {o.legs.map((l) => {
              const [state, color] = legState(l.state);
              return (
                <Table.Tr key={String(l.tradingsymbol)} data-testid="option-leg">
                  <Table.Td><InstrumentName symbol={l.tradingsymbol} exchange={l.exchange} noTag /></Table.Td>
                  <Table.Td>{l.transaction_type === "BUY" ? "Buy" : "Sell"}</Table.Td>
                  <Table.Td>
                    <Badge variant="outline" color={color}>{state}</Badge>
                    {l.state_message && <Text size="xs" c="dimmed" mt={2}>{l.state_message}</Text>}
                  </Table.Td>
                  <Table.Td ta="right" className="num">{qty(l.quantity)}</Table.Td>
                  <Table.Td ta="right" className="num">{qty(l.net_quantity)}</Table.Td>
                  <Table.Td ta="right" className="num">{inr(l.average_price)}</Table.Td>
                  <Table.Td ta="right" className="num">{inr(l.ltp)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
        <Text size="sm" c="dimmed">
          {o.execution_mode === "live" ? "Each leg goes to Kite on its own, one after another." : "Each leg is placed on its own, one after another."}{" "}
          If a leg is refused after others filled, this run will {partialEntryWords(o.on_partial_entry)}.
        </Text>
        <Text size="sm">
          Protection: {o.protection.rules.length === 0 ? "no rules" : o.protection.rules.map((r) => `${words(r.metric)} ${r.operator === "lte" ? "≤" : "≥"} ${r.threshold} → ${words(r.action)}`).join("; ")}
          {verdict.status ? ` · ${words(String(verdict.status))}` : ""}{verdict.triggered ? " (triggered)" : ""}
        </Text>
        {p && o.legs.every((l) => !l.net_quantity) && (
          <Text size="sm" c="dimmed">Nothing is held now: the payoff below is the structure's, as planned.</Text>
        )}
        {payoff.error && <Alert color="red" role="alert">{payoff.error.message}</Alert>}
        {p && (
          <Grid>
            <Grid.Col span={{ base: 12, md: 8 }}><PayoffChart payoff={p} label="Run payoff" /></Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}><WhatIfControls spotNow={Number(p.spot)} daysNow={p.days_to_expiry_now} value={whatIf} onChange={setWhatIf} /></Grid.Col>
            <Grid.Col span={12}><PayoffSummary payoff={p} /></Grid.Col>
          </Grid>
        )}
      </Stack>
    </Paper>
  );
}
