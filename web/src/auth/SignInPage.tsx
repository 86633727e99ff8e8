import { Alert, Anchor, Button, Center, Paper, PasswordInput, PinInput, Stack, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { meKey } from "./useMe";
import { safeNext } from "./safeNext";

/** Sign in with a password, or with the six-digit code (or link) mailed to the user. */
export function Component() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const next = safeNext(params.get("next"));

  const done = async () => {
    // `me` is inactive on this page: refetch it anyway, or the guard reads the signed-out
    // answer cached when it sent the user here, and sends them straight back
    await client.invalidateQueries({ queryKey: meKey, refetchType: "all" });
    await navigate(next, { replace: true });
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420} component="main">
        <Title order={1} size="h2" mb="xs">
          TraderTape
        </Title>
        <Text c="dimmed" size="sm" mb="lg">
          Sign in to your trading desk.
        </Text>
        <Tabs defaultValue="password" keepMounted={false}>
          <Tabs.List grow mb="md">
            <Tabs.Tab value="password">With password</Tabs.Tab>
            <Tabs.Tab value="code">With e-mail code</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="password">
            <PasswordForm onDone={done} />
          </Tabs.Panel>
          <Tabs.Panel value="code">
            <CodeForm onDone={done} />
          </Tabs.Panel>
        </Tabs>
      </Paper>
    </Center>
  );
}

function PasswordForm({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/auth/password-login", { body: { email, password } }));
      await onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, { detail: String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="E-mail" type="email" autoComplete="username" required value={email}
          onChange={(e) => setEmail(e.currentTarget.value)} error={error?.fields.email} />
        <PasswordInput label="Password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.currentTarget.value)} error={error?.fields.password} />
        {error && Object.keys(error.fields).length === 0 && (
          <Alert color="red" role="alert">{error.message}</Alert>
        )}
        <Button type="submit" loading={busy}>Sign in</Button>
      </Stack>
    </form>
  );
}

function CodeForm({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [otp, setOtp] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, { detail: String(e) }));
    } finally {
      setBusy(false);
    }
  };

  const send = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      unwrap(await api.POST("/api/auth/magic-link", { body: { email } }));
      setSent(true);
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      unwrap(await api.POST("/api/auth/verify-link", { body: { email, otp } }));
      await onDone();
    });
  };

  if (!sent) {
    return (
      <form onSubmit={send} noValidate>
        <Stack>
          <TextInput label="E-mail" type="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.currentTarget.value)} error={error?.fields.email} />
          {error && Object.keys(error.fields).length === 0 && (
            <Alert color="red" role="alert">{error.message}</Alert>
          )}
          <Button type="submit" loading={busy}>Send me a code</Button>
        </Stack>
      </form>
    );
  }
  return (
    <form onSubmit={verify} noValidate>
      <Stack>
        <Text size="sm">
          We sent a six-digit code and a sign-in link to <b>{email}</b>. Enter the code, or open
          the link on this device.
        </Text>
        <div>
          <Text component="label" htmlFor="otp" size="sm" fw={500}>Code</Text>
          <PinInput id="otp" length={6} type="number" oneTimeCode value={otp} onChange={setOtp}
            aria-label="Code" error={Boolean(error)} />
        </div>
        {error && <Alert color="red" role="alert">{error.message}</Alert>}
        <Button type="submit" loading={busy} disabled={otp.length !== 6}>Verify</Button>
        <Anchor component="button" type="button" size="sm" onClick={() => setSent(false)}>
          Use another e-mail
        </Anchor>
      </Stack>
    </form>
  );
}
