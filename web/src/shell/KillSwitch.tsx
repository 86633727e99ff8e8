import { ActionIcon, Badge, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { inr } from "@/format";
import { riskStateKey, useRiskState } from "./deskApi";
import { PowerIcon } from "@/components/icons";

/** The kill switch, always in the top bar: on refuses every new entry; exits still go. */
export function KillSwitch({ compact = false }: { compact?: boolean }) {
  const state = useRiskState();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const on = state.data?.kill_switch ?? false;
  const flip = useMutation({
    mutationFn: async (next: boolean) => unwrap(await api.POST("/api/risk/kill-switch", { body: { on: next } })),
    onSuccess: async () => {
      setOpen(false);
      await client.invalidateQueries({ queryKey: riskStateKey });
    },
  });
  const name = on ? "Kill switch is on: Turn off" : "Kill switch"; // holds the visible text (axe)
  const exposure = state.data?.exposure.total;
  const positions = state.data?.open_positions ?? 0;
  const working = state.data?.working_entries ?? 0;

  return (
    <>
      {on && !compact && <Badge color="red.9" variant="filled" role="status">Kill switch on</Badge>}
      {compact ? (
        <ActionIcon size="lg" variant={on ? "filled" : "outline"} color="red.9" aria-label={name}
          onClick={() => setOpen(true)} disabled={state.isPending}>
          <PowerIcon />
        </ActionIcon>
      ) : (
        <Button size="xs" color="red.9" variant={on ? "filled" : "outline"} onClick={() => setOpen(true)}
          disabled={state.isPending} aria-label={name}>
          {on ? "Turn off" : "Kill switch"}
        </Button>
      )}
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={open} onClose={() => setOpen(false)} centered
        title={on ? "Turn the kill switch off?" : "Turn the kill switch on?"}>
        <Stack>
          {on ? (
            <Text>New entries will be allowed again: signals, the cart, GTT entries and the order ticket trade as before.</Text>
          ) : (
            <>
              <Text>
                Every new entry is refused for your account until you turn it off: the cart, GTT entries,
                auto-placed signals and the order ticket. Exits and stop-losses still go through.
              </Text>
              <Text size="sm" c="dimmed">
                Your {positions} open position{positions === 1 ? "" : "s"} and {working} working entr{working === 1 ? "y" : "ies"} are
                not closed{exposure ? ` (exposure ${inr(exposure)})` : ""}.
              </Text>
            </>
          )}
          {flip.error && <Text c="red.8" role="alert">{flip.error instanceof ApiError ? flip.error.message : String(flip.error)}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color="red" loading={flip.isPending} onClick={() => flip.mutate(!on)}>
              {on ? "Turn kill switch off" : "Turn kill switch on"}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
