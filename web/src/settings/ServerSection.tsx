// Notices for the server's administrator (the NSE holiday list running out, …): kept here,
// not on every dashboard, since only the admin can act on them.
import { Alert, Code, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";

export function ServerSection() {
  const health = useQuery({
    queryKey: ["health"],
    queryFn: async () => unwrap(await api.GET("/api/health")),
    refetchInterval: 60_000,
  });
  const warning = health.data?.calendar_warning;
  return (
    <Stack gap="sm" maw={720}>
      <Text size="sm" c="dimmed">Notices for the server's administrator.</Text>
      {warning ? (
        <Alert color="yellow" variant="light" title="NSE holiday list">
          <Text size="sm">{warning}</Text>
          <Text size="sm" mt="xs">The administrator loads NSE's list with <Code>tradertape calendar import FILE</Code>.</Text>
        </Alert>
      ) : (
        <Text size="sm">{health.isPending ? "Loading…" : "Nothing needs the administrator's attention."}</Text>
      )}
    </Stack>
  );
}
