// Upstox without a stored secret comes back with `login=code&code=…&state=…`. Upstox's
// token exchange takes the API secret itself (there is no checksum the browser could send
// instead, as for Kite), so the secret typed here passes through the server for this one
// exchange and is not stored. Or the code goes to the agent, which holds the secret.
import { Button, Paper, PasswordInput, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { brokerStatusKey } from "@/shell/deskApi";
import { AgentRelay } from "./AgentRelay";

export function UpstoxSecretForm({ code, state, onDone }: { code: string; state: string; onDone: () => void }) {
  const client = useQueryClient();
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = unwrap(await api.POST("/api/brokers/upstox/session", { body: { code, api_secret: secret, state } }));
      setSecret("");
      client.setQueryData(["broker-credentials", "upstox"], saved);
      await client.invalidateQueries({ queryKey: brokerStatusKey });
      onDone();
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" component="section" aria-label="Finish the Upstox login">
      <Text fw={600} mb="xs">Finish the Upstox login</Text>
      <form onSubmit={(e) => void submit(e)}>
        <Stack gap="xs">
          <Text size="sm">
            Type your Upstox API secret. Upstox&apos;s token exchange needs the secret itself, so it
            passes through the server for this one exchange; it is not stored.
          </Text>
          <PasswordInput label="Upstox API secret" value={secret} autoComplete="off"
            onChange={(e) => setSecret(e.currentTarget.value)} error={error ?? undefined} />
          <Button type="submit" size="xs" disabled={!secret || !code} loading={busy}>
            Complete Upstox login
          </Button>
        </Stack>
      </form>
      <AgentRelay broker="upstox" token={code} state={state} />
    </Paper>
  );
}
