import { createTheme } from "@mantine/core";

// Calm and dense like Kite: one accent, system fonts (nothing from a CDN), red/green only
// for direction (see app.css: .up / .down).
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 8, dark: 8 }, // white on blue-8 and blue-8 on blue-0 pass WCAG AA
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  defaultRadius: "sm",
});
