// Run words: a universe's name, a run's settings in one line.
import { inr, universeName } from "@/format";

export { universeName };

const FILLS: Record<string, string> = { next_open: "next open", close: "signal day's close" };

function chargesWords(charges: unknown): string {
  if (charges && typeof charges === "object") return `flat ${(charges as { flat_pct?: number }).flat_pct}% charges`;
  return charges === "none" ? "no charges" : "Zerodha charges";
}

/** "NIFTY 100 · 01 Jan 2020 – 01 Jan 2026 · ₹10,00,000 · 10% a position, up to 10 · …". */
export function settingsLine(config: Record<string, unknown>): string {
  const parts = [
    universeName(config.universe),
    `${config.start_date} to ${config.end_date}`,
    inr(config.starting_capital as number, 0),
    `${config.position_size_pct}% a position, up to ${config.max_positions}`,
  ];
  if (config.max_per_sector != null) parts.push(`${config.max_per_sector} a sector`);
  parts.push(`${config.slippage_bps} bps slippage`, `fills at the ${FILLS[String(config.fill_at)] ?? config.fill_at}`, chargesWords(config.charges));
  return parts.join(" · ");
}
