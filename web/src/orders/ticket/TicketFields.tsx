// The ticket's inputs, shared by the new-order ticket and the modify dialog: which appear
// follows `visibleFields`, and each shows the API's message for it.
import { NativeSelect, SimpleGrid, TextInput } from "@mantine/core";
import type { FieldErrors } from "@/api/errors";
import {
  type Field,
  type TicketForm,
  normalise,
  orderTypesFor,
  productsFor,
  validitiesFor,
  visibleFields,
} from "./form";

interface Props {
  form: TicketForm;
  onChange: (form: TicketForm) => void;
  errors: FieldErrors;
  /** A modification cannot change the product. */
  fixedProduct?: boolean;
}

const LABELS: Record<Exclude<Field, "order_type" | "product" | "validity">, string> = {
  quantity: "Quantity",
  price: "Price",
  trigger_price: "Trigger price",
  disclosed_quantity: "Disclosed quantity",
  validity_ttl: "Validity minutes",
  iceberg_legs: "Iceberg legs",
  iceberg_quantity: "Quantity per leg",
  auction_number: "Auction number",
};

export function TicketFields({ form, onChange, errors, fixedProduct = false }: Props) {
  const shown = visibleFields(form);
  const set = <K extends keyof TicketForm>(key: K, value: TicketForm[K]) => onChange(normalise({ ...form, [key]: value }));
  const text = (field: keyof typeof LABELS, decimal = false) =>
    shown.has(field) && (
      <TextInput
        key={field}
        label={form.variety === "co" && field === "trigger_price" ? "Stop-loss trigger" : LABELS[field]}
        inputMode={decimal ? "decimal" : "numeric"}
        value={form[field]}
        onChange={(e) => set(field, e.currentTarget.value)}
        error={errors[field]}
        autoComplete="off"
      />
    );

  return (
    <>
      <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="sm">
        {text("quantity")}
        {text("price", true)}
        {text("trigger_price", true)}
        {text("disclosed_quantity")}
        {text("iceberg_legs")}
        {text("iceberg_quantity")}
        {text("auction_number")}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="sm" mt="sm">
        <NativeSelect
          label="Order type"
          value={form.order_type}
          data={orderTypesFor(form.variety)}
          onChange={(e) => set("order_type", e.currentTarget.value as TicketForm["order_type"])}
          error={errors.order_type}
        />
        <NativeSelect
          label="Product"
          value={form.product}
          data={productsFor(form.variety)}
          disabled={fixedProduct}
          onChange={(e) => set("product", e.currentTarget.value as TicketForm["product"])}
          error={errors.product}
        />
        <NativeSelect
          label="Validity"
          value={form.validity}
          data={validitiesFor(form.variety)}
          onChange={(e) => set("validity", e.currentTarget.value as TicketForm["validity"])}
          error={errors.validity}
        />
        {text("validity_ttl")}
      </SimpleGrid>
    </>
  );
}
