// Where a broker login lands (`/settings/brokers?broker=…&login=…`). Kite without a stored
// secret comes back with `login=checksum&request_token=…`: the user types the API secret
// here, the browser computes the checksum, and only the checksum goes to the server (with
// the login's `state`, which proves the login was started from this user's own link).
// Upstox without one comes back with `login=code&code=…` (./UpstoxBrowserLogin.tsx).
import { Alert, Paper, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { AgentRelay } from "./AgentRelay";
import { kiteChecksum } from "./kiteChecksum";
import { SecretLoginForm } from "./SecretLoginForm";
import { UpstoxSecretForm } from "./UpstoxBrowserLogin";

export function LoginOutcome() {
  const [params, setParams] = useSearchParams();
  const broker = params.get("broker");
  const login = params.get("login");
  if (!broker || !login) return null;
  const done = () => setParams({}, { replace: true });
  if (login === "ok") {
    return <Alert color="teal" role="status" withCloseButton onClose={done}>Logged in to {broker}.</Alert>;
  }
  if (login === "code" && broker === "upstox") {
    return <UpstoxSecretForm code={params.get("code") ?? ""} state={params.get("state") ?? ""} onDone={done} />;
  }
  if (login === "checksum" && broker === "kite") {
    return (
      <KiteChecksumForm
        requestToken={params.get("request_token") ?? ""}
        state={params.get("state") ?? ""}
        onDone={done}
      />
    );
  }
  return (
    <Alert color="red" role="alert" withCloseButton onClose={done} title={`The ${broker} login failed`}>
      {params.get("reason") ?? "no reason given"}
    </Alert>
  );
}

function KiteChecksumForm({ requestToken, state, onDone }: { requestToken: string; state: string; onDone: () => void }) {
  const client = useQueryClient();
  const exchange = async (secret: string) => {
    const creds = unwrap(await api.GET("/api/brokers/{broker}/credentials", { params: { path: { broker: "kite" } } }));
    if (!creds.api_key) throw new Error("save your Kite API key first");
    const checksum = await kiteChecksum(creds.api_key, requestToken, secret);
    unwrap(await api.POST("/api/brokers/kite/session", { body: { request_token: requestToken, checksum, state } }));
    await client.invalidateQueries({ queryKey: ["broker-credentials", "kite"] });
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="Finish the Kite login">
      <Text fw={600} mb="xs">Finish the Kite login in this browser</Text>
      <SecretLoginForm label="Kite API secret" action="Complete Kite login" ready={!!requestToken} exchange={exchange} onDone={onDone}>
        Type your Kite API secret. This browser computes Kite&apos;s checksum from it; the
        secret itself is never sent to the server.
      </SecretLoginForm>
      <AgentRelay broker="kite" token={requestToken} state={state} />
    </Paper>
  );
}
