import { Button, Group } from "@mantine/core";
import { Link, useLocation } from "react-router";

/** Runs and tokens: the two pages of the algo workers. */
export function WorkersNav() {
  const onTokens = useLocation().pathname.startsWith("/workers/tokens");
  const item = (to: string, label: string, current: boolean) => (
    <Button component={Link} to={to} size="xs" variant={current ? "filled" : "default"} aria-current={current ? "page" : undefined}>{label}</Button>
  );
  return (
    <Group component="nav" aria-label="Algo workers" gap="xs" mb="md">
      {item("/workers", "Runs", !onTokens)}
      {item("/workers/tokens", "Tokens", onTokens)}
    </Group>
  );
}
