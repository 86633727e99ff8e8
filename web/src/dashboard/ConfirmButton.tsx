import { Button, type ButtonProps, Group, Modal, Stack, Text } from "@mantine/core";
import { type ReactNode, useState } from "react";
import { ApiError } from "@/api/errors";

interface Props extends ButtonProps {
  /** The button's text (and accessible name unless `label` is given). */
  children: ReactNode;
  label?: string;
  title: string;
  /** What will happen, with the figures that matter. */
  body: ReactNode;
  confirm: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
}

/** A button that asks first: destructive and money-moving actions confirm with their figures. */
export function ConfirmButton({ children, label, title, body, confirm, onConfirm, danger, ...button }: Props) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button {...button} aria-label={label} onClick={() => setOpen(true)}>{children}</Button>
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Stack>
          {body}
          {error && <Text c="red.8" role="alert">{error}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color={danger ? "red" : undefined} loading={busy} onClick={() => void run()}>{confirm}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
