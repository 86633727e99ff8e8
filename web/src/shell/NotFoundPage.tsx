import { Anchor, Center, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";

export function Component() {
  return (
    <Center mih="60vh" component="main">
      <Stack align="center">
        <Title order={1}>Page not found</Title>
        <Text c="dimmed">There is nothing at {window.location.pathname}.</Text>
        <Anchor component={Link} to="/dashboard">Go to the dashboard</Anchor>
      </Stack>
    </Center>
  );
}
