// Place the structure: its margin before sending (the API's estimate), a confirmation with
// the figures that matter, then each leg's outcome (hedge-first; a refused leg unwinds).
import { Alert, Badge, Button, Group, Modal, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { useMe } from "@/auth/useMe";
import { instrumentName, qty } from "@/format";
import { ApiError } from "@/api/errors";
import { type BasketOut, type Mode, type Pricing, type Product, basketBody, legState, outcome, pricedAt } from "./basket";
import { BasketFigures } from "./BasketFigures";
import { LegPricing } from "./LegPricing";
import type { Chain, PayoffLeg } from "./optionApi";

function Outcome({ placed }: { placed: BasketOut }) {
  const o = outcome(placed.status);
  const rows = [...placed.legs.map((l) => ({ ...l, exit: false })), ...placed.unwind.map((l) => ({ ...l, exit: true }))];
  return (
    <Stack gap={4} aria-label="Basket result">
      <Badge color={o.color} c={o.text} style={{ whiteSpace: "normal", height: "auto" }}>{o.label}</Badge>
      <Table fz="sm" aria-label="Legs sent">
        <Table.Tbody>
          {rows.map((l) => (
            <Table.Tr key={`${l.exit}-${l.leg_index}`}>
              <Table.Td>{l.exit ? "Exit: " : ""}{l.transaction_type === "BUY" ? "Buy" : "Sell"} {qty(l.quantity)} {instrumentName(l.tradingsymbol, "NFO")}</Table.Td>
              <Table.Td>{legState(l.state)}{l.reason && l.state !== "filled" ? <Text size="xs" c="dimmed">{l.reason}</Text> : null}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function PlaceBasket({ legs, chain }: { legs: PayoffLeg[]; chain?: Chain }) {
  const client = useQueryClient();
  const live = useMe().data?.live_trading_enabled ?? false;
  const [product, setProduct] = useState<Product>("NRML");
  const [chosen, setMode] = useState<Mode>("paper");
  const mode: Mode = live ? chosen : "paper";
  const [asking, setAsking] = useState<string | null>(null); // the basket's key while confirming
  const [pricing, setPricing] = useState<Pricing>({});
  const body = basketBody(legs, product, mode, undefined, pricing);
  const margin = useQuery({
    queryKey: ["options", "basket", "preview", body],
    enabled: legs.length > 0,
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await api.POST("/api/options/basket/preview", { body })),
  });
  const place = useMutation({
    mutationFn: async (key: string) => unwrap(await api.POST("/api/options/basket", { body: basketBody(legs, product, mode, key, pricing) })),
    onSuccess: async () => {
      setAsking(null);
      await client.invalidateQueries({ queryKey: ["portfolio"] });
    },
  });
  if (legs.length === 0) return null;
  const m = margin.error ? undefined : margin.data; // a refused preview shows no stale figures
  const errors = margin.error instanceof ApiError ? margin.error.fields : {};
  const shownOnLegs = Object.keys(errors).length > 0 && Object.keys(errors).every((f) => /^legs\[\d+\]\.price$/.test(f));
  const order = m ? m.order.map((i) => legs[i]).filter((l): l is PayoffLeg => Boolean(l)) : legs;
  return (
    <Stack gap="xs" component="section" aria-label="Place the structure">
      <LegPricing legs={legs} chain={chain} pricing={pricing} onChange={setPricing} errors={errors} />
      <Group gap="sm" wrap="wrap" align="flex-end">
        <SegmentedControl size="xs" aria-label="Product" value={product} onChange={(v) => setProduct(v as Product)}
          data={[{ value: "NRML", label: "Carry (NRML)" }, { value: "MIS", label: "Intraday (MIS)" }]} />
        {live && (
          <SegmentedControl size="xs" aria-label="Account" value={mode} onChange={(v) => setMode(v as Mode)} color={mode === "live" ? "red" : undefined}
            data={[{ value: "paper", label: "Paper" }, { value: "live", label: "Live" }]} />
        )}
        <Button size="sm" color={mode === "live" ? "red" : "blue"} disabled={!m || m.margin_required == null}
          onClick={() => { place.reset(); setAsking(crypto.randomUUID()); }}>
          {mode === "live" ? "Place live basket" : "Place basket"}
        </Button>
      </Group>
      {m && <BasketFigures m={m} legs={legs} />}
      {margin.error && !shownOnLegs && <Alert color="red" role="alert">{margin.error.message}</Alert>}
      {place.data && <Outcome placed={place.data} />}
      <Modal opened={asking !== null} onClose={() => setAsking(null)} title={mode === "live" ? "Place this basket at your broker?" : "Place this basket?"}>
        <Stack gap="sm">
          {mode === "live" && <Badge color="red">Live: real money</Badge>}
          <Text size="sm">Sent in this order, bought legs first:</Text>
          <Stack gap={2}>
            {order.map((l) => (
              <Text key={l.tradingsymbol} size="sm">{l.transaction_type === "BUY" ? "Buy" : "Sell"} {l.lots} lot{l.lots === 1 ? "" : "s"} of {instrumentName(l.tradingsymbol, "NFO")}, <span className="num">{pricedAt(pricing[l.tradingsymbol])}</span></Text>
            ))}
          </Stack>
          {m && <BasketFigures m={m} legs={legs} />}
          <Text size="xs" c="dimmed">If a leg is refused, the legs already filled are exited at market.</Text>
          {place.error && <Alert color="red" role="alert">{place.error.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(null)}>Cancel</Button>
            <Button color={mode === "live" ? "red" : "blue"} loading={place.isPending} onClick={() => asking && place.mutate(asking)}>Place {legs.length} legs</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
