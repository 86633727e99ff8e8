import { Button, CopyButton, Group, TextInput } from "@mantine/core";

/** A read-only value with a Copy button (redirect URLs, keys shown once). */
export function CopyField({ label, value }: { label: string; value: string }) {
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <TextInput label={label} value={value} readOnly style={{ flex: 1 }} />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant="default" onClick={copy} aria-label={`Copy ${label}`}>{copied ? "Copied" : "Copy"}</Button>
        )}
      </CopyButton>
    </Group>
  );
}
