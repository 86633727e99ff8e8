// A dashboard section: a titled card, with something beside the title.
import { Card, Group, Title } from "@mantine/core";
import type { ReactNode } from "react";

export function Section({ title, children, extra }: { title: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card withBorder padding="sm" component="section" aria-label={title}>
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={2} size="h5">{title}</Title>
        {extra}
      </Group>
      {children}
    </Card>
  );
}
