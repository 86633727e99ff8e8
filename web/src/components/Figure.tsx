import { Text } from "@mantine/core";
import type { ReactNode } from "react";

/** A labelled figure, the label first so a phone reads it as a line. */
export function Figure({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="lg">{children}</Text>
      {hint && <Text size="xs" c="dimmed">{hint}</Text>}
    </div>
  );
}

/** A file input's placeholder in the readable muted colour (Mantine's default misses AA). */
export const READABLE_PLACEHOLDER = { placeholder: { color: "var(--mantine-color-dimmed)" } };
