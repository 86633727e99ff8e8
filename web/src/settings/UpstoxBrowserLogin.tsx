// Upstox without a stored secret comes back with `login=code&code=…&state=…`. Upstox's
// token exchange takes the API secret itself (there is no checksum the browser could send
// instead, as for Kite), so the secret typed here passes through the server for this one
// exchange and is not stored. Or the code goes to the agent, which holds the secret.
import { Paper, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { AgentRelay } from "./AgentRelay";
import { SecretLoginForm } from "./SecretLoginForm";

export function UpstoxSecretForm({ code, state, onDone }: { code: string; state: string; onDone: () => void }) {
  const client = useQueryClient();
  const exchange = async (secret: string) => {
    const saved = unwrap(await api.POST("/api/brokers/upstox/session", { body: { code, api_secret: secret, state } }));
    client.setQueryData(["broker-credentials", "upstox"], saved);
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="Finish the Upstox login">
      <Text fw={600} mb="xs">Finish the Upstox login</Text>
      <SecretLoginForm label="Upstox API secret" action="Complete Upstox login" ready={!!code} exchange={exchange} onDone={onDone}>
        Type your Upstox API secret. Upstox&apos;s token exchange needs the secret itself, so it
        passes through the server for this one exchange; it is not stored.
      </SecretLoginForm>
      <AgentRelay broker="upstox" token={code} state={state} />
    </Paper>
  );
}
