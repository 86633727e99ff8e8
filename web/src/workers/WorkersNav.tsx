import { Button, Group } from "@mantine/core";
import { Link, useLocation } from "react-router";

/** Runs, replays and tokens: the pages of the algo workers. */
export function WorkersNav() {
  const here = useLocation().pathname;
  const onTokens = here.startsWith("/workers/tokens");
  const onReplays = here.startsWith("/workers/replays");
  const item = (to: string, label: string, current: boolean) => (
    <Button component={Link} to={to} size="xs" variant={current ? "filled" : "default"} aria-current={current ? "page" : undefined}>{label}</Button>
  );
  return (
    <Group component="nav" aria-label="Algo workers" gap="xs" mb="md">
      {item("/workers", "Runs", !onTokens && !onReplays)}
      {item("/workers/replays", "Replays", onReplays)}
      {item("/workers/tokens", "Tokens", onTokens)}
    </Group>
  );
}
