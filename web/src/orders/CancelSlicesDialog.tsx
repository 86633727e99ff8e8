// "Cancel all slices" of an order placed in slices above its freeze quantity (issue 54): one
// confirmation for every working child, then each child's state as the server answers it
// (cancelled, or filled before the cancel reached it), so the user sees what stands.
import { Button, Group, Modal, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { refreshAccount } from "@/api/refresh";
import { instrumentName, qty } from "@/format";
import { Notice } from "@/orders/Notice";
import { type BookOrder, num, str } from "./books";
import { type Grouped, cancellable } from "./slices";

// One line a slice: a phone's 390 px holds the three short columns unwrapped (what was not
// filled of a cancelled slice is what was cancelled: no column of its own).
const nowrap = { whiteSpace: "nowrap" } as const;

export function CancelSlicesDialog({ parent, onClose }: { parent: Grouped<BookOrder>; onClose: () => void }) {
  const client = useQueryClient();
  const children = parent.slices ?? [];
  const { working, pending } = cancellable(children);
  const id = str(parent, "order_id");
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/orders/{order_id}/slices/cancel", { params: { path: { order_id: id } } })),
    onSuccess: () => void refreshAccount(client),
  });
  const name = `${str(parent, "transaction_type")} ${qty(num(parent, "quantity"))} ${instrumentName(str(parent, "tradingsymbol"), str(parent, "exchange"))}`;
  const answered = cancel.data?.children;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title="Cancel all slices">
      <Stack gap="sm">
        {answered ? (
          <>
            <Notice role="status" color="green" title="Slices cancelled">
              {answered.filter((c) => c.status === "CANCELLED").length} of {answered.length} slices are cancelled.
            </Notice>
            <Table aria-label={`Slices of ${name}`}>
              <Table.Thead>
                <Table.Tr style={nowrap}><Table.Th>Slice</Table.Th><Table.Th>Status</Table.Th><Table.Th ta="right">Filled / Qty.</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {answered.map((c, i) => (
                  <Table.Tr key={c.order_id} style={nowrap}>
                    <Table.Td>{i + 1} of {answered.length}</Table.Td>
                    <Table.Td>{c.status}</Table.Td>
                    <Table.Td ta="right">{qty(c.filled_quantity)} / {qty(c.quantity)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group justify="flex-end"><Button onClick={onClose}>Done</Button></Group>
          </>
        ) : (
          <>
            <Text>
              Cancel {working} working {working === 1 ? "slice" : "slices"} of {name}? {qty(pending)} pending will be cancelled;
              {" "}a slice already filled stays filled.
            </Text>
            {cancel.error && <Notice role="alert" color="red" title="Not cancelled">{cancel.error.message}</Notice>}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>Keep slices</Button>
              <Button color="red" loading={cancel.isPending} onClick={() => cancel.mutate()}>Cancel all slices</Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}
