import { Alert, type AlertProps } from "@mantine/core";
import type { ReactNode } from "react";

/** Mantine's Alert with its title in the body text colour: the light variant's coloured
 * title misses WCAG AA contrast on white (axe flags it). The colour stays on the bar. */
export function Notice(props: AlertProps & { children?: ReactNode; role?: string }) {
  return <Alert {...props} styles={{ title: { color: "var(--mantine-color-text)" } }} />;
}
