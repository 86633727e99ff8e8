// How each leg of the chain's structure goes: at market, or as a LIMIT at a price that starts
// at the touch the leg trades against (a buy at the offer, a sell at the bid, on the tick)
// and that the trader edits. The API checks the price; its 422 shows on that leg's field.
import { Badge, Group, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import type { FieldErrors } from "@/api/errors";
import { instrumentName } from "@/format";
import { type LegPrice, type OrderType, type Pricing, contractOf, startingPrice } from "./basket";
import type { Chain, PayoffLeg } from "./optionApi";

interface Props {
  legs: PayoffLeg[];
  chain: Chain | undefined;
  pricing: Pricing;
  onChange: (next: Pricing) => void;
  errors?: FieldErrors;
}

export function LegPricing({ legs, chain, pricing, onChange, errors = {} }: Props) {
  const set = (symbol: string, p: LegPrice) => onChange({ ...pricing, [symbol]: p });
  return (
    <Stack gap={6} role="group" aria-label="How each leg is placed">
      {legs.map((l, i) => {
        const name = instrumentName(l.tradingsymbol, "NFO");
        const p = pricing[l.tradingsymbol];
        const type: OrderType = p?.order_type ?? "MARKET";
        const pick = (v: string) => {
          if (v === "MARKET") set(l.tradingsymbol, { order_type: "MARKET", price: p?.price ?? "" });
          else set(l.tradingsymbol, { order_type: "LIMIT", price: p?.price || startingPrice(contractOf(chain, l.tradingsymbol), l.transaction_type) });
        };
        return (
          <Group key={l.tradingsymbol} gap="xs" wrap="wrap" align="flex-start">
            <Group gap={6} wrap="nowrap" miw={0} style={{ flex: "1 1 12rem" }}>
              <Badge variant="filled" color={l.transaction_type === "BUY" ? "blue.8" : "red.9"} style={{ flexShrink: 0 }}>{l.transaction_type === "BUY" ? "Buy" : "Sell"}</Badge>
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>{name}</Text>
            </Group>
            <SegmentedControl size="xs" aria-label={`Order type of ${name}`} value={type} onChange={pick}
              data={[{ value: "MARKET", label: "Market" }, { value: "LIMIT", label: "Limit" }]} />
            {type === "LIMIT" && (
              <TextInput size="xs" w={110} inputMode="decimal" aria-label={`Limit price of ${name}`} leftSection="₹"
                value={p?.price ?? ""} error={errors[`legs[${i}].price`]}
                onChange={(e) => set(l.tradingsymbol, { order_type: "LIMIT", price: e.currentTarget.value })} />
            )}
          </Group>
        );
      })}
    </Stack>
  );
}
