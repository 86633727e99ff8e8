// Create an alert: a sentence ("Price crosses above ₹1,500") on a symbol or a watchlist,
// judged on minute candles or the day's close, once or every cool-down, with an optional
// order or basket placed at once or after you approve. The API's 422 names the field.
import { Button, Checkbox, Group, Modal, NativeSelect, SegmentedControl, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { instrumentLabel } from "@/format";
import { useWatchlists } from "@/market/useWatchlists";
import { Notice } from "@/orders/Notice";
import { type AlertForm, buildAlertBody, conditionWords, conditionOf, kinds, legField, valueError } from "./alertForm";
import { BasketLegs, type LegErrors } from "./BasketLegs";

interface Props {
  initial: AlertForm;
  onClose: () => void;
}

/** The form field an API error path belongs to. */
function fieldFor(path: string): keyof AlertForm | null {
  if (path.startsWith("condition")) return "value";
  if (path === "symbol") return "symbol";
  if (path === "watchlist_id") return "watchlist_id";
  if (path === "cooldown_secs") return "cooldown_mins";
  if (path.startsWith("order.quantity")) return "quantity";
  if (path === "order.price") return "price";
  if (path === "confirm_within_mins") return "confirm_within_mins";
  if (path === "name") return "name";
  return null;
}

// A phone's 390 px: a segment's words wrap inside it rather than being cut.
const WRAP = { label: { whiteSpace: "normal" as const } };

const needsIndicator = (form: AlertForm) => form.kind === "cross_above" || form.kind === "cross_below";

function valueLabel(form: AlertForm): string {
  switch (form.kind) {
    case "price_above":
    case "price_below":
      return "Price (₹)";
    case "change_up":
    case "change_down":
      return "Change (%)";
    case "volume_spike":
      return "Times the average";
    default:
      return "Crosses (a number or an indicator: 30, sma20)";
  }
}

export function AlertDialog({ initial, onClose }: Props) {
  const client = useQueryClient();
  const lists = useWatchlists();
  const [form, setForm] = useState(initial);
  const [tried, setTried] = useState(false); // the level's own check shows once Create is pressed
  const set = <K extends keyof AlertForm>(key: K, value: AlertForm[K]) => setForm({ ...form, [key]: value });
  const save = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/alerts", { body: buildAlertBody(form) })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["alerts"] });
      onClose();
    },
  });
  const errors: Partial<Record<keyof AlertForm, string>> = {};
  const legErrors: LegErrors = [];
  let general: string | null = null;
  if (save.error instanceof ApiError) {
    for (const [path, message] of Object.entries(save.error.fields)) {
      const field = fieldFor(path);
      const leg = form.order_kind === "basket" ? legField(path) : null;
      if (leg) legErrors[leg.leg] = { ...legErrors[leg.leg], [leg.field]: message };
      else if (field && !errors[field]) errors[field] = message;
      else general = general ?? message;
    }
    if (Object.keys(save.error.fields).length === 0) general = save.error.message;
  } else if (save.error) general = save.error.message;

  const levelError = tried ? valueError(form) : null;
  if (levelError) errors.value = levelError;
  const sentence = form.value.trim() && !valueError(form) ? conditionWords(conditionOf(form)) : null;
  const target = form.target === "symbol" ? instrumentLabel(form.symbol) : "each item of the list";

  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title="New alert" size="lg">
      <form onSubmit={(e) => {
        e.preventDefault();
        setTried(true);
        if (!valueError(form)) save.mutate();
      }}>
        <Stack gap="sm">
          <SegmentedControl aria-label="Alert on" value={form.target} onChange={(v) => set("target", v as AlertForm["target"])}
            data={[{ value: "symbol", label: "A symbol" }, { value: "watchlist", label: "A watchlist" }]} />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            {form.target === "symbol" ? (
              <TextInput label="Symbol" description="EXCHANGE:SYMBOL, e.g. NSE:INFY" value={form.symbol} autoComplete="off"
                onChange={(e) => set("symbol", e.currentTarget.value.toUpperCase())} error={errors.symbol} />
            ) : (
              <NativeSelect label="Watchlist" value={form.watchlist_id} error={errors.watchlist_id}
                data={[{ value: "", label: "Choose a list" }, ...(lists.data ?? []).map((l) => ({ value: String(l.id), label: l.name }))]}
                onChange={(e) => set("watchlist_id", e.currentTarget.value)} />
            )}
            <TextInput label="Name" placeholder="Said in the notification" value={form.name} autoComplete="off"
              onChange={(e) => set("name", e.currentTarget.value)} error={errors.name} />
            <NativeSelect label="When" value={form.kind} data={kinds}
              onChange={(e) => set("kind", e.currentTarget.value as AlertForm["kind"])} />
            {needsIndicator(form) && (
              <TextInput label="Indicator" description="rsi14, close, macd_12_26_9" value={form.indicator} autoComplete="off"
                onChange={(e) => set("indicator", e.currentTarget.value)} />
            )}
            <TextInput label={valueLabel(form)} value={form.value} autoComplete="off" inputMode={needsIndicator(form) ? "text" : "decimal"}
              onChange={(e) => set("value", e.currentTarget.value)} error={errors.value} />
          </SimpleGrid>
          {sentence && <Text size="sm">{sentence}, on {target}.</Text>}
          <Group gap="md" wrap="wrap">
            <SegmentedControl aria-label="Judged on" value={form.kind.startsWith("change") ? "day" : form.timeframe}
              style={{ flex: "1 1 18rem" }} fullWidth styles={WRAP}
              disabled={form.kind.startsWith("change")}
              onChange={(v) => set("timeframe", v as AlertForm["timeframe"])}
              data={[{ value: "minute", label: "Every tick (minute candles)" }, { value: "day", label: "The day's close" }]} />
            <SegmentedControl aria-label="How often" value={form.repeat} onChange={(v) => set("repeat", v as AlertForm["repeat"])}
              data={[{ value: "once", label: "Once" }, { value: "every", label: "Every time" }]} />
          </Group>
          {form.repeat === "every" && (
            <TextInput label="Cool-down (minutes)" value={form.cooldown_mins} inputMode="numeric" autoComplete="off" w={180}
              onChange={(e) => set("cooldown_mins", e.currentTarget.value)} error={errors.cooldown_mins} />
          )}
          <Checkbox label="Attach an order (through your risk rules)" checked={form.with_order}
            onChange={(e) => set("with_order", e.currentTarget.checked)} />
          {form.with_order && (
            <SegmentedControl aria-label="What to place" value={form.order_kind} onChange={(v) => set("order_kind", v as AlertForm["order_kind"])}
              data={[{ value: "single", label: "One order" }, { value: "basket", label: "A basket" }]} />
          )}
          {form.with_order && form.order_kind === "basket" && (
            <BasketLegs form={form} saveErrors={legErrors} onLegs={(legs) => set("legs", legs)} />
          )}
          {form.with_order && (
            <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="sm">
              {form.order_kind === "single" && <>
                <NativeSelect label="Side" value={form.transaction_type}
                  data={[{ value: "BUY", label: "Buy" }, { value: "SELL", label: "Sell" }]}
                  onChange={(e) => set("transaction_type", e.currentTarget.value as AlertForm["transaction_type"])} />
                <TextInput label="Quantity" value={form.quantity} inputMode="numeric" autoComplete="off"
                  onChange={(e) => set("quantity", e.currentTarget.value)} error={errors.quantity} />
                <NativeSelect label="Product" value={form.product}
                  data={[{ value: "CNC", label: "Delivery (CNC)" }, { value: "MIS", label: "Intraday (MIS)" }]}
                  onChange={(e) => set("product", e.currentTarget.value as AlertForm["product"])} />
                {form.target === "symbol" ? (
                  <NativeSelect label="Order type" value={form.order_type}
                    data={[{ value: "MARKET", label: "Market" }, { value: "LIMIT", label: "Limit" }]}
                    onChange={(e) => set("order_type", e.currentTarget.value as AlertForm["order_type"])} />
                ) : (
                  <TextInput label="Order type" value="Market order" readOnly
                    description="One price cannot fit every symbol of a watchlist" />
                )}
                {form.target === "symbol" && form.order_type === "LIMIT" && (
                  <TextInput label="Limit price (₹)" value={form.price} inputMode="decimal" autoComplete="off"
                    onChange={(e) => set("price", e.currentTarget.value)} error={errors.price} />
                )}
              </>}
              <NativeSelect label="Then" value={form.order_action}
                data={[{ value: "confirm", label: "Ask me first" }, { value: "place", label: "Place at once" }]}
                onChange={(e) => set("order_action", e.currentTarget.value as AlertForm["order_action"])} />
              {form.order_action === "confirm" && (
                <TextInput label="Approve within (minutes)" value={form.confirm_within_mins} inputMode="numeric" autoComplete="off"
                  onChange={(e) => set("confirm_within_mins", e.currentTarget.value)} error={errors.confirm_within_mins} />
              )}
            </SimpleGrid>
          )}
          {general && <Notice role="alert" color="red" title="Not saved">{general}</Notice>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Create alert</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
