import { Text } from "@mantine/core";
import { PageTitle } from "@/components/PageTitle";

/** The desk at a glance: a tab per model portfolio and a combined view. */
export function Component() {
  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      <Text c="dimmed">Your portfolios appear here.</Text>
    </>
  );
}
