// Exit a run: the dry-run plan first (the positions it flattens, the orders it sends, the
// orders it cancels), then the exit itself, confirmed with those figures.
import { Alert, Button, Group, List, Loader, Modal, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Money } from "@/components/Money";
import { instrumentLabel, qty, words } from "@/format";
import { type Run, useExit, useExitPreview } from "./workerApi";

function exitWords(status: string): string {
  if (status === "closed") return "Exit done: the run is closed.";
  if (status === "submitted") return "Exit sent: the closing orders are working; the run closes as they fill.";
  return `Exit ${words(status).toLowerCase()}.`;
}

export function ExitButton({ run }: { run: Run }) {
  const [open, setOpen] = useState(false);
  const preview = useExitPreview(run.id);
  const exit = useExit(run.id);
  const start = () => {
    setOpen(true);
    exit.reset();
    preview.mutate();
  };
  const plan = preview.data?.exit;
  return (
    <>
      <Button color="red" onClick={start} disabled={run.status !== "open"}>Exit run…</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Exit ${run.name || run.strategy_run_id}?`} centered closeButtonProps={{ "aria-label": "Close" }}>
        <Stack gap="sm" aria-label="Exit preview" role="region">
          {preview.isPending && <Loader size="sm" aria-label="Working out the exit" />}
          {preview.error && <Alert color="red" role="alert">{preview.error.message}</Alert>}
          {plan && (
            <>
              <Text size="sm">A dry run of the exit: nothing has been sent yet.</Text>
              {plan.legs.length === 0 ? <Text size="sm">No open positions: the run is closed without orders.</Text> : (
                <List size="sm">
                  {plan.orders.map((o, i) => {
                    const leg = plan.legs[i];
                    return (
                      <List.Item key={i}>
                        {o.transaction_type === "BUY" ? "Buy" : "Sell"} {qty(o.quantity)} {instrumentLabel(o.tradingsymbol, o.exchange)} at market ({o.product})
                        {leg && <> — open P&amp;L <Money value={leg.unrealized_pnl} pnl /></>}
                      </List.Item>
                    );
                  })}
                </List>
              )}
              {plan.cancels.length > 0 && <Text size="sm">Cancels {plan.cancels.length} working {plan.cancels.length === 1 ? "order" : "orders"}.</Text>}
            </>
          )}
          {exit.error && <Alert color="red" role="alert">{exit.error.message}</Alert>}
          {exit.data && <Text role="status">{exitWords(exit.data.status)}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>{exit.data ? "Close" : "Cancel"}</Button>
            {!exit.data && (
              <Button color="red" disabled={!plan} loading={exit.isPending} onClick={() => exit.mutate("exit from the desk")}>
                Exit now{run.execution_mode === "live" ? " (live orders)" : ""}
              </Button>
            )}
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
