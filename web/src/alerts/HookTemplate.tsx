// The template editor of one webhook: how its sender's body becomes an order. Each field
// is a constant or a {{path}} of the body; the server's refusal is shown on its field.
import { Button, Group, Modal, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { Notice } from "@/orders/Notice";
import { type TemplateForm, templateBody, templateErrors, templateForm } from "./hookTemplate";

type Hook = components["schemas"]["WebhookOut"];

const HELP: Record<Exclude<keyof TemplateForm, "sizeBy">, string> = {
  symbol: "a symbol, or {{path}} of the body (several, comma-separated: one order each)",
  exchange: "NSE, BSE, NFO or BFO, or {{path}}",
  side: "BUY or SELL (LONG, SHORT, EXIT read too), or {{path}}",
  size: "",
  product: "CNC, MIS or NRML, or {{path}}",
  order_type: "MARKET or LIMIT, or {{path}}",
  price: "a LIMIT order's price, or {{path}}",
};

const LABELS: Record<Exclude<keyof TemplateForm, "sizeBy" | "size">, string> = {
  symbol: "Symbol",
  exchange: "Exchange",
  side: "Side",
  product: "Product",
  order_type: "Order type",
  price: "Price",
};

export function HookTemplate({ hook, onClose }: { hook: Hook; onClose: () => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState<TemplateForm>(() => templateForm(hook.template));
  const save = useMutation({
    mutationFn: async () =>
      unwrap(await api.PATCH("/api/webhooks/{webhook_id}", { params: { path: { webhook_id: hook.id } }, body: { template: templateBody(form) } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["webhooks"] });
      onClose();
    },
  });
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const errors = templateErrors(fields);
  const general = save.error && Object.keys(errors).length === 0 ? save.error.message : null;
  const input = (name: keyof typeof LABELS) => (
    <TextInput key={name} label={LABELS[name]} description={HELP[name]} value={form[name]} autoComplete="off"
      error={errors[name]} onChange={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />
  );
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title={`Template of ${hook.name}`}>
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack gap="sm">
          <Text size="sm">Each field is a constant or a path of the request's JSON body in double braces, such as {"{{ticker}}"}.</Text>
          {input("symbol")}
          {input("exchange")}
          {input("side")}
          <Stack gap={4}>
            <SegmentedControl aria-label="Size by" value={form.sizeBy}
              data={[{ value: "quantity", label: "Quantity" }, { value: "amount", label: "Amount (₹)" }]}
              onChange={(v) => setForm({ ...form, sizeBy: v as TemplateForm["sizeBy"] })} />
            <TextInput label={form.sizeBy === "quantity" ? "Quantity" : "Amount (₹)"} value={form.size} autoComplete="off"
              description={form.sizeBy === "quantity" ? "shares, or {{path}}" : "rupees: as many shares as it pays for at the last price"}
              error={errors.size} onChange={(e) => setForm({ ...form, size: e.currentTarget.value })} />
          </Stack>
          {input("product")}
          {input("order_type")}
          {input("price")}
          {general && <Notice role="alert" color="red" title="Not saved">{general}</Notice>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Save template</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
