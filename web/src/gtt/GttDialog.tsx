// Create or modify a GTT: single (one trigger, one LIMIT order) or OCO (stop-loss and
// target). The API's 422 names the field (e.g. condition.trigger_values, orders.0.price).
import { Button, Group, Modal, NativeSelect, SegmentedControl, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { exchanges } from "@/orders/ticket/form";
import { useTick } from "@/ticks/useTick";
import { type GttForm, buildGttBody, gttProduct } from "./gttForm";
import { derivativeName } from "@/format";

interface Props {
  initial: GttForm;
  /** The trigger being modified; absent for a new one. */
  triggerId?: number;
  onClose: () => void;
}

/** The form field an API error path belongs to. */
function fieldFor(path: string, form: GttForm): keyof GttForm | null {
  if (path.startsWith("condition.last_price")) return "last_price";
  if (path.startsWith("condition.tradingsymbol")) return "tradingsymbol";
  if (path.startsWith("condition.trigger_values")) return form.type === "single" ? "trigger" : "stop_trigger";
  if (/^orders\.\d+\.quantity|^quantity/.test(path)) return "quantity";
  if (/^orders\.\d+\.price/.test(path)) return form.type === "single" ? "price" : "stop_price";
  if (/product/.test(path)) return "product";
  return null;
}

export function GttDialog({ initial, triggerId, onClose }: Props) {
  const client = useQueryClient();
  const [form, setForm] = useState(initial);
  const symbol = form.tradingsymbol ? `${form.exchange}:${form.tradingsymbol}` : null;
  const tick = useTick(symbol);
  // The last price is the symbol's LTP until the user types one: a field the user emptied
  // stays empty (it was refilled at once), and another symbol's LTP replaces a filled one.
  const [typedPrice, setTypedPrice] = useState(false);
  useEffect(() => {
    if (tick && !typedPrice && form.last_price === "") setForm((f) => ({ ...f, last_price: String(tick.ltp) }));
  }, [tick, typedPrice, form.last_price]);
  const save = useMutation({
    mutationFn: async () => {
      const body = buildGttBody(form);
      return unwrap(
        triggerId === undefined
          ? await api.POST("/api/gtt/triggers", { body })
          : await api.PUT("/api/gtt/triggers/{trigger_id}", { params: { path: { trigger_id: triggerId } }, body }),
      );
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["gtt"] });
      onClose();
    },
  });
  const errors: Partial<Record<keyof GttForm, string>> = {};
  let general: string | null = null;
  if (save.error instanceof ApiError) {
    for (const [path, message] of Object.entries(save.error.fields)) {
      const field = fieldFor(path, form);
      if (field && !errors[field]) errors[field] = message;
      else general = general ?? `${path}: ${message}`;
    }
    if (Object.keys(save.error.fields).length === 0) general = save.error.message;
  } else if (save.error) general = save.error.message;

  const set = <K extends keyof GttForm>(key: K, value: GttForm[K]) => setForm({ ...form, [key]: value });
  const input = (key: keyof GttForm, label: string) => (
    <TextInput key={key} label={label} inputMode="decimal" value={form[key]} autoComplete="off"
      onChange={(e) => { if (key === "last_price") setTypedPrice(true); set(key, e.currentTarget.value); }} error={errors[key]} />
  );
  // a new symbol: an LTP filled for the old one goes, and the new one's fills it
  const setSymbol = (changes: Partial<GttForm>) =>
    setForm({ ...form, ...changes, ...(typedPrice ? {} : { last_price: "" }) });
  const editing = triggerId !== undefined;

  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title={editing ? `Modify GTT ${triggerId}` : "New GTT"} size="lg">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <SegmentedControl aria-label="Trigger type" value={form.type}
              onChange={(v) => set("type", v as GttForm["type"])}
              data={[{ value: "single", label: "Single" }, { value: "two-leg", label: "OCO" }]} />
            <SegmentedControl aria-label="Side" value={form.transaction_type}
              onChange={(v) => set("transaction_type", v as GttForm["transaction_type"])}
              data={[{ value: "BUY", label: "Buy" }, { value: "SELL", label: "Sell" }]} />
          </Group>
          <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="sm">
            <TextInput label="Symbol" value={form.tradingsymbol} readOnly={editing} autoComplete="off"
              description={derivativeName(form.tradingsymbol, form.exchange)}
              onChange={(e) => setSymbol({ tradingsymbol: e.currentTarget.value.toUpperCase() })} error={errors.tradingsymbol} />
            <NativeSelect label="Exchange" value={form.exchange} data={exchanges} disabled={editing}
              onChange={(e) => setSymbol({ exchange: e.currentTarget.value as GttForm["exchange"] })} />
            {input("last_price", "Last price")}
            {input("quantity", "Quantity")}
            <TextInput label="Product" value={gttProduct(form.exchange)} readOnly error={errors.product}
              description={gttProduct(form.exchange) === "NRML" ? "F&O: a GTT takes NRML" : "Shares: a GTT takes CNC (delivery)"} />
          </SimpleGrid>
          {form.type === "single" ? (
            <SimpleGrid cols={2} spacing="sm">
              {input("trigger", "Trigger price")}
              {input("price", "Limit price")}
            </SimpleGrid>
          ) : (
            <SimpleGrid cols={2} spacing="sm">
              {input("stop_trigger", "Stop-loss trigger")}
              {input("stop_price", "Stop-loss limit price")}
              {input("target_trigger", "Target trigger")}
              {input("target_price", "Target limit price")}
            </SimpleGrid>
          )}
          {general && <Notice role="alert" color="red" title="Not saved">{general}</Notice>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>{editing ? "Modify GTT" : "Create GTT"}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
