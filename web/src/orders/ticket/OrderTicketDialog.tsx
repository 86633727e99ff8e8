// The order ticket: the form, then a confirmation with the API's preview (itemised charges,
// margin required against what is available), then the placement's answer. Nothing here
// computes a charge or a margin; field errors come from the API's 422 and sit on the field.
// With live trading on (`/api/auth/me`), the ticket offers the Live account: the order then
// goes to the user's broker (`mode: "live"`), which checks the margin itself.
import { Button, Checkbox, Group, Modal, NativeSelect, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { useMediaQuery } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, type FieldErrors, unwrap } from "@/api/errors";
import { refreshAccount } from "@/api/refresh";
import { useMe } from "@/auth/useMe";
import { Money } from "@/components/Money";
import { derivativeName, houseLabel, inr, instrumentLabel, istDate } from "@/format";
import { useTick } from "@/ticks/useTick";
import { ticketPriceWarning, useFeed } from "@/market/feed";
import { TicketFields } from "./TicketFields";
import { slicePlan, slicePlanText } from "./freeze";
import { sliceCap, useBrokerFacts } from "@/settings/brokerFacts";
import { type TicketForm, type TicketSeed, buildOrderBody, exchanges, initialForm, normalise, varieties } from "./form";

type Preview = components["schemas"]["TicketPreviewOut"];
type Placed = components["schemas"]["OrderPlaced"];
type Account = "paper" | "live";

const CHARGE_ROWS: [keyof NonNullable<Preview["charges"]>, string][] = [
  ["brokerage", "Brokerage"],
  ["stt", "STT"],
  ["exchange_transaction_charge", "Exchange transaction charges (IPFT included)"],
  ["sebi_charge", "SEBI turnover fee"],
  ["stamp_duty", "Stamp duty"],
  ["gst", "GST"],
  ["dp_charge", "DP charge"],
];


export function ChargesTable({ preview, live = false }: { preview: Preview; live?: boolean }) {
  const c = preview.charges;
  return (
    <Table fz="sm" verticalSpacing={4} aria-label="Charges and margin">
      <Table.Tbody>
        {c ? (
          CHARGE_ROWS.map(([key, label]) => (
            <Table.Tr key={key}>
              <Table.Th scope="row" fw={400}>{label}</Table.Th>
              <Table.Td className="num"><Money value={c[key]} /></Table.Td>
            </Table.Tr>
          ))
        ) : (
          <Table.Tr>
            <Table.Td colSpan={2}><Text size="sm" c="dimmed">No price yet to estimate charges at (no last price).</Text></Table.Td>
          </Table.Tr>
        )}
        {c && (
          <Table.Tr>
            <Table.Th scope="row">Total charges</Table.Th>
            <Table.Td className="num" fw={700} data-testid="charges-total"><Money value={c.total} /></Table.Td>
          </Table.Tr>
        )}
        <Table.Tr>
          <Table.Th scope="row">Margin required</Table.Th>
          <Table.Td className="num" fw={700} data-testid="margin-required">
            {preview.margin_required === null ? "—" : <Money value={preview.margin_required} />}
          </Table.Td>
        </Table.Tr>
        {c && (
          <Table.Tr>
            <Table.Td colSpan={2}>
              <Text size="xs" c="dimmed">Charges on {houseLabel(preview.schedule)}'s published schedule.</Text>
            </Table.Td>
          </Table.Tr>
        )}
        {!live && (
          <Table.Tr>
            <Table.Th scope="row">Available margin</Table.Th>
            <Table.Td className="num" data-testid="margin-available"><Money value={preview.available} /></Table.Td>
          </Table.Tr>
        )}
      </Table.Tbody>
    </Table>
  );
}

function newKey(): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `ticket-${random}`;
}

export default function OrderTicketDialog({ seed, onClose }: { seed: TicketSeed; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<TicketForm>(() => initialForm(seed));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [placed, setPlaced] = useState<Placed | null>(null);
  // Above the freeze quantity the server answers a 422 on quantity; the ticket then offers
  // Kite's autoslice (issue 54), which places the order as children.
  const [autoslice, setAutoslice] = useState(false);
  const key = useMemo(newKey, []);
  const me = useMe().data;
  const liveAllowed = me?.live_trading_enabled ?? false;
  const [account, setAccount] = useState<Account>("paper");
  const live = liveAllowed && account === "live";
  // The freeze quantity, known before sending: an F&O order above it says how many slices
  // it goes in (and asks for them), or, past the venue's cap, that it will be refused.
  const derivative = form.exchange === "NFO" || form.exchange === "BFO";
  const instrument = useQuery({
    queryKey: ["instrument", form.exchange, form.tradingsymbol],
    enabled: derivative && form.tradingsymbol.length > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/instruments/{exchange}/{tradingsymbol}", { params: { path: { exchange: form.exchange, tradingsymbol: form.tradingsymbol } } })),
    staleTime: 300_000,
    retry: false,
  });
  const brokerFacts = useBrokerFacts();
  const venue = live ? (me?.brokers.find((b) => b.connected)?.broker ?? "kite") : "paper";
  const plan = slicePlan(Number(form.quantity), derivative ? instrument.data?.freeze_quantity : null, instrument.data?.lot_size ?? 1, sliceCap(brokerFacts.data, venue));
  const sliced = autoslice || plan.kind === "sliced";
  const freezeAsOf = derivative ? instrument.data?.freeze_quantity_as_of : null;
  const phone = useMediaQuery("(max-width: 36em)");
  const symbol = form.tradingsymbol ? `${form.exchange}:${form.tradingsymbol.toUpperCase()}` : null;
  const tick = useTick(symbol);
  const feed = useFeed().data;
  const buy = form.transaction_type === "BUY";
  const side = buy ? "buy" : "sell";

  const fail = (error: unknown) => {
    if (error instanceof ApiError) {
      setErrors(error.fields);
      setFailure(error);
      if (Object.keys(error.fields).length > 0) setPreview(null);
    } else {
      setFailure(new ApiError(0, { detail: String(error) }));
    }
  };
  const change = (next: TicketForm) => {
    setForm(next);
    setPreview(null);
  };

  const review = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/orders/preview", { body: { ...buildOrderBody(form), ...(live ? { mode: "live" as const } : {}) } })),
    onMutate: () => {
      setErrors({});
      setFailure(null);
    },
    onSuccess: setPreview,
    onError: fail,
  });
  const place = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/orders", {
          body: {
            ...buildOrderBody(form, key),
            ...(live ? { mode: "live" as const } : {}),
            ...(sliced ? { autoslice: true } : {}),
            // Positions' Exit of a portfolio's row sells in its book: the portfolio hears it
            ...(seed.book && form.transaction_type === "SELL" && !live ? { book: seed.book } : {}),
          },
        }),
      ),
    onMutate: () => setFailure(null),
    onSuccess: (answer) => {
      setPlaced(answer);
      void refreshAccount(queryClient); // every book it shows up in, and the top bar's P&L
    },
    onError: fail,
  });

  // A market-priced order on a quiet feed's price says so before it is sent (issue 54).
  const staleWarning = ticketPriceWarning(feed, form.order_type);
  const named = instrumentLabel(form.tradingsymbol, form.exchange);
  const title = `${buy ? "Buy" : "Sell"} ${named || "an instrument"}${seed.book && !buy ? " from its portfolio" : ""}`;
  const rejected = placed?.status === "REJECTED";

  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }}
      opened
      onClose={onClose}
      title={<Text fw={700} c={buy ? "blue.8" : "orange.9"}>{title}</Text>}
      size="lg"
      fullScreen={phone}
      aria-label="Order ticket"
    >
      {placed ? (
        <Stack>
          <Notice
            role="alert"
            color={rejected ? "red" : "teal"}
            title={rejected ? "Order rejected" : `Order ${placed.status.toLowerCase()}`}
          >
            {rejected ? placed.status_message : `Order ${placed.order_id}: ${placed.status}`}
            {!rejected && placed.status_message ? ` (${placed.status_message})` : ""}
            {placed.children && placed.children.length > 1 ? `, placed in ${placed.children.length} slices` : ""}
          </Notice>
          <Group justify="flex-end">
            <Button onClick={onClose}>Close</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (preview) place.mutate();
            else review.mutate();
          }}
        >
          <Stack gap="sm">
            <Group justify="space-between" wrap="wrap">
              <SegmentedControl
                aria-label="Side"
                value={form.transaction_type}
                onChange={(v) => change({ ...form, transaction_type: v as TicketForm["transaction_type"] })}
                data={[
                  { value: "BUY", label: "Buy" },
                  { value: "SELL", label: "Sell" },
                ]}
                color={buy ? "blue" : "orange"}
              />
              <Text size="sm" aria-live="polite">
                LTP <span className="num" data-testid="ticket-ltp">{tick ? inr(tick.ltp) : "—"}</span>
              </Text>
            </Group>
            <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="sm">
              <TextInput
                label="Symbol"
                description={derivativeName(form.tradingsymbol, form.exchange)}
                value={form.tradingsymbol}
                onChange={(e) => change({ ...form, tradingsymbol: e.currentTarget.value.toUpperCase() })}
                error={errors.tradingsymbol}
                autoComplete="off"
                data-autofocus={form.tradingsymbol ? undefined : true}
              />
              <NativeSelect
                label="Exchange"
                value={form.exchange}
                data={exchanges}
                onChange={(e) => change({ ...form, exchange: e.currentTarget.value as TicketForm["exchange"] })}
                error={errors.exchange}
              />
              <NativeSelect
                label="Variety"
                value={form.variety}
                data={varieties}
                onChange={(e) => change(normalise({ ...form, variety: e.currentTarget.value as TicketForm["variety"] }))}
                error={errors.variety}
              />
            </SimpleGrid>
            {liveAllowed && (
              <Group gap="sm" wrap="wrap">
                <SegmentedControl
                  aria-label="Account"
                  value={account}
                  onChange={(v) => { setAccount(v as Account); setPreview(null); }}
                  data={[
                    { value: "paper", label: "Paper" },
                    { value: "live", label: "Live" },
                  ]}
                  color={live ? "red" : "gray"}
                />
                {live && (
                  <Text size="sm" c="red.9" fw={600} role="status">
                    Live: this order goes to your broker and uses real money.
                  </Text>
                )}
              </Group>
            )}
            <TicketFields form={form} onChange={change} errors={errors} />
            {staleWarning && (
              <Notice color="orange" title="Stale price" data-testid="ticket-stale">{staleWarning}</Notice>
            )}
            {plan.kind !== "whole" && (
              <Text size="sm" role="status" data-testid="ticket-slices" c={plan.kind === "refused" ? "red.8" : undefined}>
                {slicePlanText(plan)}
                {freezeAsOf ? ` (NSE's limit as of ${istDate(freezeAsOf)})` : ""}
              </Text>
            )}
            {derivative && instrument.data?.freeze_quantity_stale && (
              <Notice color="orange" title="Freeze quantity may be outdated" data-testid="ticket-freeze-stale">
                The freeze quantity is of {istDate(freezeAsOf ?? null)}, older than NSE's last revision we know of: load NSE's current list (tradertape instruments import-freeze).
              </Notice>
            )}
            {plan.kind === "whole" && (autoslice || /freeze quantity/.test(errors.quantity ?? "")) && (
              <Checkbox
                label="Auto-slice: place it as orders within the freeze quantity"
                checked={autoslice}
                onChange={(e) => setAutoslice(e.currentTarget.checked)}
              />
            )}
            {failure && (
              <Notice role="alert" color="red" title={failure.status === 422 ? "Check the order" : "Refused"}>
                {failure.message}
                {failure.reason ? ` (${failure.reason})` : ""}
              </Notice>
            )}
            {preview && (
              <div>
                <Text fw={600} size="sm">Confirm: {side} {form.quantity} {named}
                  {preview.price !== null ? ` at about ${inr(preview.price)}` : ""}</Text>
                <ChargesTable preview={preview} live={live} />
                {live && (
                  <Text size="sm" c="dimmed">Your broker checks the margin when the order arrives.</Text>
                )}
                {!live && preview.margin_required !== null && preview.margin_required > preview.available && (
                  <Notice color="yellow" mt="xs">The margin required is more than the margin available.</Notice>
                )}
              </div>
            )}
            <Group justify="flex-end">
              {preview && (
                <Button variant="default" onClick={() => setPreview(null)}>Back</Button>
              )}
              <Button
                type="submit"
                color={buy ? "blue" : "orange"}
                loading={review.isPending || place.isPending}
                disabled={plan.kind === "refused"}
              >
                {preview ? `Place ${live ? "live " : ""}${side} order` : "Review charges"}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
