import { Alert, Anchor, Center, Loader, Paper, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { meKey } from "./useMe";

/**
 * Where a magic link lands. The token travels in the URL fragment, which browsers never send
 * to servers or proxies' logs; this page posts it and clears it from the address bar.
 */
export function Component() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    window.history.replaceState(null, "", "/auth/verify");
    if (!token) {
      setError("This link has no token. Request a new one.");
      return;
    }
    void (async () => {
      try {
        unwrap(await api.POST("/api/auth/verify-link", { body: { token } }));
        await client.invalidateQueries({ queryKey: meKey });
        await navigate("/dashboard", { replace: true });
      } catch (e) {
        setError(e instanceof ApiError ? e.message : String(e));
      }
    })();
  }, [client, navigate]);

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" maw={420} component="main">
        {error ? (
          <Stack>
            <Alert color="red" role="alert" title="Sign-in failed">{error}</Alert>
            <Anchor component={Link} to="/signin">Back to sign-in</Anchor>
          </Stack>
        ) : (
          <Stack align="center">
            <Loader aria-label="Signing in" />
            <Text>Signing you in…</Text>
          </Stack>
        )}
      </Paper>
    </Center>
  );
}
