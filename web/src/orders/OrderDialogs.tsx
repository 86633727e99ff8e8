// Modify (same fields and the API's field errors as the ticket), cancel (confirmed with the
// order's terms) and the history of an order's states.
import { Button, Group, Modal, Stack, Table, Text } from "@mantine/core";
import { Notice } from "@/orders/Notice";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, type FieldErrors, unwrap } from "@/api/errors";
import { refreshAccount } from "@/api/refresh";
import { Money } from "@/components/Money";
import { inr, instrumentName, istTime, qty } from "@/format";
import { type BookOrder, num, str } from "./books";
import { changeWords } from "./orderChanges";
import { TicketFields } from "./ticket/TicketFields";
import { type TicketForm, buildModifyBody, initialForm } from "./ticket/form";

function describe(order: BookOrder): string {
  const price = num(order, "price");
  const at = price > 0 ? ` at ${inr(price)}` : " at market";
  return `${str(order, "transaction_type")} ${qty(num(order, "quantity"))} ${instrumentName(str(order, "tradingsymbol"), str(order, "exchange"))}${at}`;
}

function formOf(order: BookOrder): TicketForm {
  const price = num(order, "price");
  const trigger = num(order, "trigger_price");
  const disclosed = num(order, "disclosed_quantity");
  return {
    ...initialForm({ symbol: `${str(order, "exchange")}:${str(order, "tradingsymbol")}` }),
    transaction_type: str(order, "transaction_type") as TicketForm["transaction_type"],
    variety: str(order, "variety") as TicketForm["variety"],
    order_type: str(order, "order_type") as TicketForm["order_type"],
    product: str(order, "product") as TicketForm["product"],
    validity: str(order, "validity") as TicketForm["validity"],
    quantity: String(num(order, "quantity")),
    price: price > 0 ? String(price) : "",
    trigger_price: trigger > 0 ? String(trigger) : "",
    disclosed_quantity: disclosed > 0 ? String(disclosed) : "",
  };
}

export function ModifyOrderDialog({ order, onClose }: { order: BookOrder; onClose: () => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState(() => formOf(order));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const id = str(order, "order_id");
  const save = useMutation({
    mutationFn: async () =>
      unwrap(await api.PUT("/api/orders/{order_id}", { params: { path: { order_id: id } }, body: buildModifyBody(form) })),
    onMutate: () => {
      setErrors({});
      setFailure(null);
    },
    onSuccess: () => {
      void refreshAccount(client);
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiError) setErrors(e.fields);
      setFailure(e instanceof ApiError && e.reason ? `${e.message} (${e.reason})` : e.message);
    },
  });
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title={`Modify ${describe(order)}`} size="lg">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack gap="sm">
          <TicketFields form={form} onChange={setForm} errors={errors} fixedProduct />
          {failure && <Notice role="alert" color="red" title="Not modified">{failure}</Notice>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Keep as is</Button>
            <Button type="submit" loading={save.isPending}>Modify order</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CancelOrderDialog({ order, onClose }: { order: BookOrder; onClose: () => void }) {
  const client = useQueryClient();
  const id = str(order, "order_id");
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/orders/{order_id}", { params: { path: { order_id: id } } })),
    onSuccess: () => {
      void refreshAccount(client);
      onClose();
    },
  });
  const pending = num(order, "pending_quantity");
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title="Cancel order">
      <Stack gap="sm">
        <Text>
          Cancel order {id}: {describe(order)}? {qty(pending)} pending will be cancelled.
        </Text>
        {cancel.error && <Notice role="alert" color="red" title="Not cancelled">{cancel.error.message}</Notice>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Keep order</Button>
          <Button color="red" loading={cancel.isPending} onClick={() => cancel.mutate()}>Cancel order</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function OrderHistoryDialog({ order, onClose }: { order: BookOrder; onClose: () => void }) {
  const id = str(order, "order_id");
  const history = useQuery({
    queryKey: ["portfolio", "order-history", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/orders/{order_id}/history", { params: { path: { order_id: id } } })),
  });
  // A live order's SEBI record: the algo id it was sent under and the IP it left from.
  const recorded = useQuery({
    queryKey: ["portfolio", "order", id],
    queryFn: async () => unwrap(await api.GET("/api/orders/{order_id}", { params: { path: { order_id: id } } })),
  });
  const algo = recorded.data?.algo_id ?? "";
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title={`Order ${id}: ${describe(order)}`} size="lg">
      {history.error && <Notice role="alert" color="red">{history.error.message}</Notice>}
      {recorded.data && algo && (
        <Text size="sm" mb="xs" aria-label="Algo id and egress IP">
          Sent to {recorded.data.broker} as algo <b>{algo}</b> from IP{" "}
          <b>{recorded.data.egress_ip || "unknown"}</b>
        </Text>
      )}
      <Table fz="sm" aria-label="Order history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th style={{ textAlign: "right" }}>Filled</Table.Th>
            <Table.Th style={{ textAlign: "right" }}>Avg. price</Table.Th>
            <Table.Th>Message</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(history.data ?? []).map((h, i) => (
            <Table.Tr key={i}>
              <Table.Td className="num">{istTime(h.order_timestamp)}</Table.Td>
              <Table.Td>{h.status}</Table.Td>
              <Table.Td>{h.event}</Table.Td>
              <Table.Td className="num">{qty(h.filled_quantity)}</Table.Td>
              <Table.Td className="num">{h.average_price > 0 ? <Money value={h.average_price} /> : "—"}</Table.Td>
              <Table.Td>
                {(h.changes ?? []).length > 0 && (
                  <Stack gap={0} aria-label="Changed">
                    {(h.changes ?? []).map((c) => <Text key={c.field} size="sm" className="num">{changeWords(c)}</Text>)}
                  </Stack>
                )}
                {h.status_message ?? ""}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
