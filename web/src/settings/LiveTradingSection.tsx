// The user's own live-trading switch (`PUT /api/auth/live-trading`). Turning it on takes a
// typed "LIVE"; turning it off is one click and always allowed. Live orders also need the
// server's switch and a connected broker session: the section says which one is missing.
import { Badge, Button, Group, List, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { meKey, useMe } from "@/auth/useMe";
import { Notice } from "@/orders/Notice";
import { useBrokerStatus } from "@/shell/deskApi";

const CONFIRMATION = "LIVE";

function OnOff({ on, label }: { on: boolean; label: string }) {
  return (
    <Group gap="xs">
      <Text size="sm" w={220}>{label}</Text>
      <Badge color={on ? "red" : "gray"} variant={on ? "filled" : "light"}>{on ? "on" : "off"}</Badge>
    </Group>
  );
}

export function LiveTradingSection() {
  const client = useQueryClient();
  const me = useMe();
  const brokers = useBrokerStatus();
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState("");
  const toggle = useMutation({
    mutationFn: async (on: boolean) =>
      unwrap(
        await api.PUT("/api/auth/live-trading", {
          body: on ? { live_trading: true, confirm: typed } : { live_trading: false },
        }),
      ),
    onSuccess: (answer) => {
      client.setQueryData(meKey, answer);
      setAsking(false);
      setTyped("");
    },
  });
  const user = me.data;
  if (!user) return null;
  const broker = brokers.data?.active_broker ?? "paper";
  const connected = broker !== "paper";
  const fieldError = toggle.error instanceof ApiError ? toggle.error.fields.confirm : undefined;

  return (
    <Stack gap="sm" maw={620}>
      <Title order={2} size="h4">Live trading</Title>
      <Text size="sm">
        Orders marked live go to your own broker account, through the same risk checks and kill
        switch as paper orders. Everything stays on paper unless all three below allow it.
      </Text>
      <Stack gap={6} aria-label="Live trading switches">
        <OnOff on={user.live_trading_server} label="This server allows it" />
        <OnOff on={user.live_trading_user} label="Your own switch" />
        <Group gap="xs">
          <Text size="sm" w={220}>Broker session</Text>
          <Badge color={connected ? "teal.9" : "gray"}>
            {connected ? `${broker} connected` : "none"}
          </Badge>
        </Group>
      </Stack>
      {!user.live_trading_server && (
        <Notice color="yellow" title="Off on this server">
          The server's administrator turns live trading on with{" "}
          <code>TRADERTAPE_LIVE_TRADING_ENABLED=true</code>. Until then every order stays on paper.
        </Notice>
      )}
      {!connected && (
        <Text size="sm">
          Connect a broker in <Link to="/settings/brokers">Settings → Brokers</Link> before placing live orders.
        </Text>
      )}
      {user.live_trading_enabled && (
        <Notice color="red" title="Live trading is on" role="status">
          The order ticket offers a Live account; a live order uses real money at {connected ? broker : "your broker"}.
        </Notice>
      )}
      <List size="sm" spacing={2}>
        <List.Item>A live order is recorded before it is sent and is never sent twice.</List.Item>
        <List.Item>The kill switch stops live orders too; cancelling is always allowed.</List.Item>
      </List>
      <Group>
        {user.live_trading_user ? (
          <Button color="dark" loading={toggle.isPending} onClick={() => toggle.mutate(false)}>
            Turn my live trading off
          </Button>
        ) : (
          <Button color="red" onClick={() => setAsking(true)}>Turn my live trading on…</Button>
        )}
      </Group>
      {toggle.error && !fieldError && <Notice color="red" role="alert">{toggle.error.message}</Notice>}
      <Modal
        opened={asking}
        onClose={() => { setAsking(false); setTyped(""); toggle.reset(); }}
        title={<Text fw={700}>Turn live trading on</Text>}
        closeButtonProps={{ "aria-label": "Close dialog" }}
      >
        <form onSubmit={(e) => { e.preventDefault(); toggle.mutate(true); }}>
          <Stack gap="sm">
            <Text size="sm">
              Live orders will reach your broker and spend real money. Type {CONFIRMATION} to confirm.
            </Text>
            <TextInput
              label={`Type ${CONFIRMATION}`}
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              error={fieldError}
              autoComplete="off"
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
              <Button type="submit" color="red" disabled={typed !== CONFIRMATION} loading={toggle.isPending}>
                Turn live trading on
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
