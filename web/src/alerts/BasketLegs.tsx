// An alert's basket in the form: legs added and removed, each found by instrument search
// (blank: the symbol that fires the alert), with its side, quantity, product and order
// type, and the margin the legs need together as the API estimates it, with and without the
// hedge benefit, and for options of one underlying the payoff's extremes and breakevens: the
// option chain ticket's components, on the API's figures. The API's 422 on a leg
// (`legs[1].quantity`) shows on that leg's field.
import { Autocomplete, Button, CloseButton, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { InstrumentName } from "@/components/InstrumentName";
import { instrumentLabel } from "@/format";
import { useInstrumentSearch } from "@/market/useWatchlists";
import { BasketFigures } from "@/options/BasketFigures";
import { PayoffSummary } from "@/options/PayoffSummary";
import { type AlertForm, type AlertLegForm, legField, newLeg, previewBody } from "./alertForm";

export const MAX_LEGS = 10; // the API's cap on an alert's basket
const MIN_LEGS = 2; // one leg is an order, not a basket

export type LegErrors = Partial<Record<keyof AlertLegForm, string>>[];

function LegSymbol({ value, onChange, label, error, fallback }: { value: string; onChange: (v: string) => void; label: string; error?: string; fallback: string }) {
  const [q] = useDebouncedValue(value, 150);
  const found = useInstrumentSearch(q.includes(":") ? q.split(":")[1] ?? "" : q);
  const data = (found.data ?? []).map((i) => i.key);
  return (
    <Autocomplete label={label} placeholder={fallback} value={value} data={data} error={error} autoComplete="off"
      description={value.trim() ? instrumentLabel(value.trim().toUpperCase()) : "Blank: the symbol that fires"}
      onChange={(v) => onChange(v.toUpperCase())} filter={({ options }) => options}
      renderOption={({ option }) => <InstrumentName symbol={option.value} />} />
  );
}

/** Whether every leg can be priced: a symbol of its own or the alert's, and a quantity. */
function priceable(form: AlertForm): boolean {
  const alertSymbol = form.target === "symbol" && form.symbol.includes(":");
  return form.legs.every((l) => (l.symbol.includes(":") || (!l.symbol.trim() && alertSymbol)) && Number(l.quantity) > 0);
}

export function BasketLegs({ form, onLegs, saveErrors }: { form: AlertForm; onLegs: (legs: AlertLegForm[]) => void; saveErrors: LegErrors }) {
  const body = previewBody(form);
  const [asked] = useDebouncedValue(body, 300);
  const ready = priceable(form);
  const margin = useQuery({
    queryKey: ["alerts", "basket", "preview", asked],
    enabled: ready,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: async () => unwrap(await api.POST("/api/alerts/basket/preview", { body: asked })),
  });
  const previewErrors: LegErrors = [];
  let general: string | null = null;
  if (ready && margin.error instanceof ApiError) {
    for (const [path, message] of Object.entries(margin.error.fields)) {
      const at = legField(path);
      if (at) previewErrors[at.leg] = { ...previewErrors[at.leg], [at.field]: message };
      else general ??= message;
    }
    if (Object.keys(margin.error.fields).length === 0) general = margin.error.message;
  }
  const set = (i: number, patch: Partial<AlertLegForm>) => onLegs(form.legs.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const fallback = form.target === "symbol" && form.symbol.trim() ? form.symbol.trim().toUpperCase() : "The firing symbol";
  const m = ready && !margin.error ? margin.data : undefined;
  return (
    <Stack gap="xs" role="group" aria-label="Basket legs">
      <Text size="xs" c="dimmed">Bought legs go first; if a leg is refused, the rest are not sent and the filled legs are exited at market.</Text>
      {form.legs.map((leg, i) => {
        const errors = { ...previewErrors[i], ...saveErrors[i] };
        const n = i + 1;
        return (
          <Paper key={i} withBorder p="xs" role="group" aria-label={`Leg ${n}`} style={{ minWidth: 0 }}>
            <Group justify="space-between" mb={4}>
              <Text size="sm" fw={600}>Leg {n}</Text>
              <CloseButton aria-label={`Remove leg ${n}`} disabled={form.legs.length <= MIN_LEGS}
                onClick={() => onLegs(form.legs.filter((_, j) => j !== i))} />
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs">
              <LegSymbol label={`Leg ${n} symbol`} value={leg.symbol} fallback={fallback} error={errors.symbol} onChange={(v) => set(i, { symbol: v })} />
              <NativeSelect label={`Leg ${n} side`} value={leg.transaction_type} error={errors.transaction_type}
                data={[{ value: "BUY", label: "Buy" }, { value: "SELL", label: "Sell" }]}
                onChange={(e) => set(i, { transaction_type: e.currentTarget.value as AlertLegForm["transaction_type"] })} />
              <TextInput label={`Leg ${n} quantity`} value={leg.quantity} inputMode="numeric" autoComplete="off" error={errors.quantity}
                onChange={(e) => set(i, { quantity: e.currentTarget.value })} />
              <NativeSelect label={`Leg ${n} product`} value={leg.product} error={errors.product}
                data={[{ value: "CNC", label: "Delivery (CNC)" }, { value: "MIS", label: "Intraday (MIS)" }, { value: "NRML", label: "Carry F&O (NRML)" }]}
                onChange={(e) => set(i, { product: e.currentTarget.value as AlertLegForm["product"] })} />
              <NativeSelect label={`Leg ${n} order type`} value={leg.order_type} error={errors.order_type}
                data={[{ value: "MARKET", label: "Market" }, { value: "LIMIT", label: "Limit" }]}
                onChange={(e) => set(i, { order_type: e.currentTarget.value as AlertLegForm["order_type"] })} />
              {leg.order_type === "LIMIT" && (
                <TextInput label={`Leg ${n} limit price (₹)`} value={leg.price} inputMode="decimal" autoComplete="off" error={errors.price}
                  onChange={(e) => set(i, { price: e.currentTarget.value })} />
              )}
            </SimpleGrid>
          </Paper>
        );
      })}
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Button size="xs" variant="default" disabled={form.legs.length >= MAX_LEGS} onClick={() => onLegs([...form.legs, newLeg()])}>Add a leg</Button>
        {m ? (
          <BasketFigures m={m} legs={form.legs.map((l) => ({ transaction_type: l.transaction_type, tradingsymbol: l.symbol.trim() || fallback }))} />
        ) : (
          !general && <Text size="xs" c="dimmed">{ready ? "Estimating the margin…" : "The margin shows once every leg has a symbol and a quantity."}</Text>
        )}
      </Group>
      {m?.payoff && <PayoffSummary payoff={m.payoff} brief />}
      {general && <Text size="sm" c="red" role="alert">{general}</Text>}
    </Stack>
  );
}
