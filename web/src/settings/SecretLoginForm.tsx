// The browser's half of a broker login, one form for every broker: what the user types (an
// API secret, a TOTP key) is turned by `exchange` into what that broker's session route takes
// (Kite's checksum, Upstox's one-off exchange, Groww's six digits). The field is cleared once
// the exchange succeeds, and the desk's broker status is fetched again.
import { Button, PasswordInput, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { brokerStatusKey } from "@/shell/deskApi";

export interface SecretLoginFormProps {
  /** The field's label, e.g. "Kite API secret". */
  label: string;
  /** The submit button's words. */
  action: string;
  /** What happens to what is typed: said before the field. */
  children: ReactNode;
  /** Sends the login on; throws with the words to show when it fails. */
  exchange: (typed: string) => Promise<void>;
  /** False while something the exchange needs (a code from the redirect) is missing. */
  ready?: boolean;
  /** Names the form as a landmark when it stands alone on the page. */
  formLabel?: string;
  onDone?: () => void;
}

export function SecretLoginForm({ label, action, children, exchange, ready = true, formLabel, onDone }: SecretLoginFormProps) {
  const client = useQueryClient();
  const [typed, setTyped] = useState("");
  const login = useMutation({
    mutationFn: exchange,
    onSuccess: async () => {
      setTyped("");
      await client.invalidateQueries({ queryKey: brokerStatusKey });
      onDone?.();
    },
  });
  const error = login.error?.message; // an ApiError's words name the broker's reason

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate(typed);
  };

  return (
    <form aria-label={formLabel} onSubmit={submit}>
      <Stack gap="xs">
        <Text size="sm">{children}</Text>
        <PasswordInput label={label} value={typed} autoComplete="off"
          onChange={(e) => setTyped(e.currentTarget.value)} error={error} />
        <Button type="submit" size="xs" disabled={!typed.trim() || !ready} loading={login.isPending} style={{ alignSelf: "flex-start" }}>
          {action}
        </Button>
      </Stack>
    </form>
  );
}
