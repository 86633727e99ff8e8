import { Group, Title } from "@mantine/core";
import { type ReactNode, useEffect } from "react";

/** The page's heading (one h1 per page) and the browser tab's title. */
export function PageTitle({ children, actions }: { children: string; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${children} · TraderTape`;
  }, [children]);
  return (
    <Group justify="space-between" mb="md" wrap="wrap">
      <Title order={1} size="h3">{children}</Title>
      {actions}
    </Group>
  );
}
