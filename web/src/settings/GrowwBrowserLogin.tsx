// Groww has no login redirect: today's token is minted from the API key and a TOTP code.
// The TOTP key (Groww's "secret", a base32 seed) is typed here and the code computed in this
// browser (./totp.ts); only the six digits go to the server. Six digits typed straight from
// an authenticator app are sent as they are.
import { Button, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { brokerStatusKey } from "@/shell/deskApi";
import { totp } from "./totp";

export function GrowwBrowserLogin() {
  const client = useQueryClient();
  const [seed, setSeed] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const typed = seed.trim();
      const code = /^\d{6}$/.test(typed) ? typed : await totp(typed, Date.now() / 1000);
      unwrap(await api.POST("/api/brokers/groww/session", { body: { totp: code } }));
      setSeed("");
      await client.invalidateQueries({ queryKey: ["broker-credentials", "groww"] });
      await client.invalidateQueries({ queryKey: brokerStatusKey });
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form aria-label="Groww Browser Login" onSubmit={(e) => void submit(e)}>
      <Stack gap="xs">
        <Text size="sm">
          Browser Login: type your Groww TOTP key (or the six digits your authenticator shows).
          This browser computes the code; the key is never sent to the server.
        </Text>
        <PasswordInput label="Groww TOTP key or code" value={seed} autoComplete="off"
          onChange={(e) => setSeed(e.currentTarget.value)} error={error ?? undefined} />
        <Group gap="xs">
          <Button type="submit" size="xs" disabled={!seed.trim()} loading={busy}>Log in to Groww</Button>
        </Group>
      </Stack>
    </form>
  );
}
