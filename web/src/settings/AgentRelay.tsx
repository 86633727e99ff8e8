// Hand a broker login's request token (Kite) or code (Upstox) to the local agent: it holds
// the API secret, exchanges it and pushes the access token back (docs/agent-api.md, the
// login relay). Offered only when this account has an active agent key.
import { Alert, Button, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";

export function AgentRelay({ broker, token, state }: { broker: "kite" | "upstox"; token: string; state: string }) {
  const keys = useQuery({ queryKey: ["agent-keys"], queryFn: async () => unwrap(await api.GET("/api/agent/keys")) });
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!keys.data?.some((k) => k.active)) return null;
  const relay = async () => {
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/trading-agent/relay/{broker}", {
        params: { path: { broker } },
        body: { request_token: token, state },
      }));
      setSent(true);
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  if (sent) {
    return <Alert color="teal" role="status" mt="sm">Sent to your trading agent: it completes the login at its next poll.</Alert>;
  }
  return (
    <Stack gap={4} mt="sm">
      <Text size="sm">Or, if your trading agent holds the secret, let it finish the login.</Text>
      <Button size="xs" variant="default" onClick={() => void relay()} loading={busy} disabled={!token}>
        Send to my trading agent
      </Button>
      {error && <Alert color="red">{error}</Alert>}
    </Stack>
  );
}
