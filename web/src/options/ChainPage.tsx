// The option chain: underlying and expiry pickers, strikes around ATM (`ChainTable`: OI and
// its change, volume, bid/ask, IV and greeks, columns to pick), the expiry's PCR and max pain; Buy/Sell on a contract (or a preset) builds a
// structure whose payoff the API computes, with what-if sliders, placed as one basket.
import { ActionIcon, Alert, Badge, Button, Grid, Group, Loader, Menu, NumberInput, Paper, ScrollArea, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { PageTitle } from "@/components/PageTitle";
import { inr, instrumentName, istDate, qty } from "@/format";
import { ChainTable } from "./ChainTable";
import { type Chain, type PayoffLeg, type WhatIf, useChain, usePayoff, useUnderlyings } from "./optionApi";
import { PayoffChart } from "./PayoffChart";
import { PayoffSummary } from "./PayoffSummary";
import { PlaceBasket } from "./PlaceBasket";
import { addLeg, openingExpiry, PRESETS, type Preset, presetLegs } from "./spread";
import { WhatIfControls } from "./WhatIfControls";

const NOW: WhatIf = { spot: null, iv_shift: 0, days_to_expiry: null };

function Structure({ underlying, legs, setLegs, chain }: { underlying: string; legs: PayoffLeg[]; setLegs: (l: PayoffLeg[]) => void; chain: Chain }) {
  const [whatIf, setWhatIf] = useState<WhatIf>(NOW);
  const payoff = usePayoff(underlying, legs, whatIf);
  const p = payoff.data;
  const phone = useMediaQuery("(max-width: 36em)") ?? false;
  return (
    <Paper withBorder p="md" component="section" aria-label="Your structure">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">Your structure</Title>
          <Menu>
            <Menu.Target><Button size="xs" variant="default">Add a spread</Button></Menu.Target>
            <Menu.Dropdown>
              {PRESETS.map((pr) => (
                <Menu.Item key={pr.value} onClick={() => { setLegs(presetLegs(chain, pr.value as Preset)); setWhatIf(NOW); }}>{pr.label}</Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
        {legs.length === 0 && <Text size="sm" c="dimmed">Press B or S beside a contract, or add a spread, to see its payoff.</Text>}
        {legs.length > 0 && (
          <ScrollArea type="auto"><Table fz="sm" miw={phone ? undefined : 520} horizontalSpacing={phone ? 6 : "xs"} aria-label="Legs">
            <Table.Thead>
              {phone ? (
                <Table.Tr><Table.Th>Leg</Table.Th><Table.Th>Lots</Table.Th><Table.Th><span className="visually-hidden">Remove</span></Table.Th></Table.Tr>
              ) : (
                <Table.Tr><Table.Th>Side</Table.Th><Table.Th>Contract</Table.Th><Table.Th>Lots</Table.Th><Table.Th ta="right">Price</Table.Th><Table.Th /></Table.Tr>
              )}
            </Table.Thead>
            <Table.Tbody>
              {legs.map((l, i) => {
                const priced = p?.legs.find((x) => x.tradingsymbol === l.tradingsymbol);
                const side = <Badge variant="filled" color={l.transaction_type === "BUY" ? "blue.8" : "red.9"}>{l.transaction_type === "BUY" ? "Buy" : "Sell"}</Badge>;
                const price = priced ? inr(priced.entry_price) : "…";
                const lots = (
                  <NumberInput size="xs" w={phone ? 60 : 70} min={1} max={100} clampBehavior="strict" allowDecimal={false} allowNegative={false} aria-label={`Lots of ${instrumentName(l.tradingsymbol, "NFO")}`} value={l.lots}
                    onChange={(v) => setLegs(legs.map((x, j) => (j === i ? { ...x, lots: Math.max(1, Number(v) || 1) } : x)))} />
                );
                const remove = () => setLegs(legs.filter((_, j) => j !== i));
                // on a phone the side, contract and price share a cell: five columns do not fit
                return phone ? (
                  <Table.Tr key={l.tradingsymbol}>
                    <Table.Td>
                      {side}
                      <Text size="sm" style={{ overflowWrap: "anywhere" }}>{instrumentName(l.tradingsymbol, "NFO")}</Text>
                      <Text size="xs" c="dimmed">at <span className="num">{price}</span></Text>
                    </Table.Td>
                    <Table.Td>{lots}</Table.Td>
                    <Table.Td>
                      <ActionIcon variant="subtle" color="gray" aria-label={`Remove ${instrumentName(l.tradingsymbol, "NFO")}`} onClick={remove}>×</ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                ) : (
                  <Table.Tr key={l.tradingsymbol}>
                    <Table.Td>{side}</Table.Td>
                    <Table.Td>{instrumentName(l.tradingsymbol, "NFO")}</Table.Td>
                    <Table.Td>{lots}</Table.Td>
                    <Table.Td ta="right" className="num">{price}</Table.Td>
                    <Table.Td><Button size="compact-xs" variant="subtle" color="gray" aria-label={`Remove ${instrumentName(l.tradingsymbol, "NFO")}`} onClick={remove}>Remove</Button></Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table></ScrollArea>
        )}
        <PlaceBasket legs={legs} chain={chain} />
        {payoff.error && <Alert color="red" role="alert">{payoff.error.message}</Alert>}
        {legs.length > 0 && p && (
          <Grid>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <PayoffChart payoff={p} label="Payoff" />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <WhatIfControls spotNow={Number(p.spot)} daysNow={p.days_to_expiry_now} value={whatIf} onChange={setWhatIf} />
            </Grid.Col>
            <Grid.Col span={12}><PayoffSummary payoff={p} /></Grid.Col>
          </Grid>
        )}
      </Stack>
    </Paper>
  );
}

export function Component() {
  const underlyings = useUnderlyings();
  const [underlying, setUnderlying] = useState<string | null>(null);
  const [expiry, setExpiry] = useState<string | null>(null);
  const [legs, setLegs] = useState<PayoffLeg[]>([]);
  useEffect(() => {
    if (!underlying && underlyings.data?.length) setUnderlying(underlyings.data.find((u) => u.underlying === "NIFTY")?.underlying ?? underlyings.data[0]?.underlying ?? null);
  }, [underlying, underlyings.data]);
  const chain = useChain(underlying, expiry);
  const c = chain.data;
  useEffect(() => {
    if (expiry === null && c) setExpiry(openingExpiry(c.expiries, c.updated_at));
  }, [expiry, c]);
  const pick = (u: string | null) => { setUnderlying(u); setExpiry(null); setLegs([]); };
  return (
    <>
      <PageTitle>Options</PageTitle>
      {underlyings.data?.length === 0 && <Alert color="blue">No options are listed yet: an index lists once it has a price.</Alert>}
      <Group align="flex-end" mb="md" wrap="wrap">
        <Select label="Underlying" w={160} data={(underlyings.data ?? []).map((u) => u.underlying)} value={underlying} onChange={pick} allowDeselect={false} />
        <Select label="Expiry" w={170} data={(c?.expiries ?? []).map((d) => ({ value: d, label: istDate(d) }))} value={c?.expiry ?? expiry}
          onChange={(v) => { setExpiry(v); setLegs([]); }} allowDeselect={false} />
        {c && (
          <Group gap="lg" role="group" aria-label="Expiry at a glance">
            <div><Text size="xs" c="dimmed">Spot</Text><Text fw={600} className="num" aria-label="Spot">{inr(c.spot)}</Text></div>
            <div><Text size="xs" c="dimmed">PCR</Text><Text fw={600} className="num" aria-label="PCR">{c.pcr === null ? "–" : c.pcr.toFixed(2)}</Text></div>
            <div><Text size="xs" c="dimmed">Max pain</Text><Text fw={600} className="num" aria-label="Max pain">{inr(c.max_pain, 0)}</Text></div>
            <div><Text size="xs" c="dimmed">Lot size</Text><Text fw={600} className="num">{qty(c.lot_size)}</Text></div>
          </Group>
        )}
      </Group>
      {chain.isPending && underlying && <Loader aria-label="Loading the chain" />}
      {chain.error && <Alert color="red" role="alert">{chain.error.message}</Alert>}
      {c && (
        <Stack gap="md">
          {c.oi_source === "synthetic" && <Text size="xs" c="dimmed">Open interest and volume are modelled in the simulated market.</Text>}
          <Structure underlying={c.underlying} legs={legs} setLegs={setLegs} chain={c} />
          <ChainTable chain={c} onAdd={(s, side) => setLegs(addLeg(legs, s, side))} />
        </Stack>
      )}
    </>
  );
}
