// Broker cards: credentials (secrets masked once saved), the redirect URL to register with
// the broker, a login link where the broker's login flow is known, and the session status.
import { Alert, Anchor, Badge, Button, Card, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { istDateTime } from "@/format";
import { CopyField } from "./CopyField";
import { brokerStatusKey, useBrokerStatus } from "@/shell/deskApi";
import { type BrokerId, brokerTitle, useBrokerFacts } from "./brokerFacts";
import { GrowwBrowserLogin } from "./GrowwBrowserLogin";
import { LoginOutcome } from "./KiteBrowserLogin";
import { staticIpNotice, staticIpRule } from "./staticIp";
import type { components } from "@/api/client";

type Credentials = components["schemas"]["CredentialsOut"];

// The brokers themselves are their rows of facts (`brokerFacts.ts`), in the server's order.
type Broker = BrokerId;

// Where the secret lives when it is not stored (docs/live-trading.md, "Logging in").
const SECRET_HINT: Record<Broker, string> = {
  kite: "Optional. Leave it empty and this browser computes Kite's checksum at each login: the secret never reaches the server.",
  upstox: "Optional. Leave it empty and type it at each login: Upstox's exchange needs it once, and it is not stored (or your agent finishes the login).",
  groww: "Optional (your TOTP key). Leave it empty and log in below: this browser derives the code, and the key never reaches the server.",
};

function BrokerCard({ broker, name }: { broker: Broker; name: string }) {
  const client = useQueryClient();
  const key = ["broker-credentials", broker];
  const creds = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/api/brokers/{broker}/credentials", { params: { path: { broker } } })),
  });
  const [apiKey, setApiKey] = useState("");
  const [secret, setSecret] = useState("");
  const save = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/brokers/{broker}/credentials", {
        params: { path: { broker } },
        body: { api_key: apiKey.trim(), api_secret: secret || null },
      })),
    onSuccess: (saved) => { client.setQueryData(key, saved); setSecret(""); setApiKey(""); },
  });
  const forget = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/brokers/{broker}/credentials", { params: { path: { broker } } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: key }),
        client.invalidateQueries({ queryKey: brokerStatusKey }),
      ]),
  });
  const errors = save.error instanceof ApiError ? save.error.fields : {};
  const c = creds.data;
  const login = c?.login_url ?? null;
  return (
    <Card withBorder component="section" aria-label={`${name} broker`}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">{name}</Title>
        {c && <Badge color={c.connected ? "teal.9" : c.configured ? "yellow" : "gray"} c={c.configured && !c.connected ? "black" : undefined}>{c.status.replaceAll("_", " ")}</Badge>}
      </Group>
      {creds.error && <Alert color="red">{creds.error.message}</Alert>}
      {c && (
        <Stack gap="xs">
          {c.api_key && <Text size="sm">API key {c.api_key}{c.api_secret_masked ? `, secret ${c.api_secret_masked}` : ""}</Text>}
          {c.access_token_expires_at && <Text size="sm">Session until {istDateTime(c.access_token_expires_at)}</Text>}
          {broker !== "groww" && <CopyField label={`${name} redirect URL`} value={c.redirect_url} />}
          <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
            <Stack gap="xs">
              <TextInput label={`${name} API key`} value={apiKey} onChange={(e) => setApiKey(e.currentTarget.value)}
                error={errors.api_key} autoComplete="off" />
              <PasswordInput label={`${name} API secret`} value={secret} onChange={(e) => setSecret(e.currentTarget.value)}
                description={SECRET_HINT[broker]} error={errors.api_secret} autoComplete="new-password" />
              {save.error && !errors.api_key && !errors.api_secret && <Alert color="red">{save.error.message}</Alert>}
              <Group gap="xs">
                <Button type="submit" size="xs" disabled={!apiKey.trim()} loading={save.isPending}>Save credentials</Button>
                {c.configured && (
                  <Button size="xs" variant="default" loading={forget.isPending} onClick={() => forget.mutate()}>
                    Forget credentials
                  </Button>
                )}
                {login && <Anchor href={login} size="sm">Log in to {name}</Anchor>}
              </Group>
            </Stack>
          </form>
          {broker === "groww" && c.configured && <GrowwBrowserLogin />}
          {c.configured && <StaticIpForm broker={broker} name={name} credentials={c} />}
        </Stack>
      )}
    </Card>
  );
}

// SEBI: the broker takes orders only from the static IP registered with it.
function StaticIpForm({ broker, name, credentials }: { broker: Broker; name: string; credentials: Credentials }) {
  const client = useQueryClient();
  const [ip, setIp] = useState("");
  const save = useMutation({
    mutationFn: async (value: string | null) =>
      unwrap(await api.PUT("/api/brokers/{broker}/static-ip", {
        params: { path: { broker } },
        body: { static_ip: value },
      })),
    onSuccess: (saved) => { client.setQueryData(["broker-credentials", broker], saved); setIp(""); },
  });
  const notice = staticIpNotice(credentials, name);
  const errors = save.error instanceof ApiError ? save.error.fields : {};
  return (
    <form aria-label={`${name} static IP`} onSubmit={(e) => { e.preventDefault(); save.mutate(ip.trim()); }}>
      <Stack gap="xs">
        {notice.color === "yellow"
          ? <Alert color="yellow" c="black" title="Static IP mismatch">{notice.text}</Alert>
          : <Text size="sm" c={notice.color === "teal" ? "teal.9" : "dimmed"}>{notice.text}</Text>}
        <TextInput label={`Static IP registered with ${name}`} placeholder={credentials.static_ip ?? "e.g. 203.0.113.7"}
          description={staticIpRule(name)} value={ip} onChange={(e) => setIp(e.currentTarget.value)} error={errors.static_ip} autoComplete="off" />
        {save.error && !errors.static_ip && <Alert color="red">{save.error.message}</Alert>}
        <Group gap="xs">
          <Button type="submit" size="xs" disabled={!ip.trim()} loading={save.isPending}>Save static IP</Button>
          {credentials.static_ip && (
            <Button size="xs" variant="default" onClick={() => save.mutate(null)}>Forget static IP</Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}

export function BrokersSection() {
  const status = useBrokerStatus();
  const facts = useBrokerFacts();
  return (
    <Stack>
      <LoginOutcome />
      {status.data && <Text size="sm">Active broker: <b>{status.data.active_broker}</b></Text>}
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        {(facts.data ?? []).map((row) => <BrokerCard key={row.name} broker={row.name} name={brokerTitle(row)} />)}
      </SimpleGrid>
    </Stack>
  );
}
