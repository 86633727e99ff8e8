import { Loader, type VariantColorsResolver, createTheme, defaultVariantColorsResolver, parseThemeColor } from "@mantine/core";

/** Outline and light variants keep their dark shade on light, and take a light one on dark:
 * a "red.9" or "dark" outline badge is unreadable on the dark theme's near-black otherwise.
 * CSS light-dark() follows the color-scheme Mantine sets on the document. */
const readableOnDark: VariantColorsResolver = (input) => {
  const colours = defaultVariantColorsResolver(input);
  if (input.variant !== "outline" && input.variant !== "light" && input.variant !== "subtle") return colours;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor) return colours;
  const onDark = `var(--mantine-color-${parsed.color}-${parsed.color === "dark" ? 0 : 3})`;
  const both = `light-dark(${colours.color}, ${onDark})`;
  return input.variant === "outline"
    ? { ...colours, color: both, border: `calc(0.0625rem * var(--mantine-scale)) solid ${both}` }
    : { ...colours, color: both };
};

// Calm and dense like Kite: one accent, system fonts (nothing from a CDN), red/green only
// for direction (see app.css: .up / .down).
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 8, dark: 8 }, // white on blue-8 and blue-8 on blue-0 pass WCAG AA
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  defaultRadius: "sm",
  variantColorResolver: readableOnDark,
  components: {
    // A spinner is an indeterminate progress bar: its name ("Loading the chain") is allowed
    // there, where on Mantine's bare <span> axe refuses it (aria-prohibited-attr).
    Loader: Loader.extend({ defaultProps: { role: "progressbar" } }),
  },
});
