// Wealth in words: where a holding came from, the asset classes, how a fund was valued, and
// the allocation's shares as percentages. Every figure is the API's; nothing is recomputed.
import { brokerLabel, houseLabel, istDate, toNumber } from "@/format";

/** A broker by name: "kite" → "Kite", "zerodha" → "Zerodha" (`format/brokers`). */
export function brokerName(broker: string): string {
  return brokerLabel(broker) !== broker ? brokerLabel(broker) : houseLabel(broker);
}

const SOURCES: Record<string, string> = {
  broker: "Broker",
  agent: "Trading agent",
  upload: "Uploaded tradebooks",
  cas: "CAS (demat)",
  ledger: "Ledger",
};

/** Where a holding (or cash) came from: "Zerodha (broker)", "Uploaded tradebooks". */
export function sourceName(source: string, broker?: string | null): string {
  const words = SOURCES[source] ?? source;
  if ((source === "broker" || source === "agent") && broker) return `${brokerName(broker)} (${words.toLowerCase()})`;
  return words;
}

/** A merged row's parts ("broker:kite", "upload:zerodha") in words, once each. */
export function sourcesLine(parts: string[]): string {
  const words = parts.map((p) => {
    const [source = "", broker] = p.split(":");
    return sourceName(source, broker);
  });
  return [...new Set(words)].join(", ");
}

const ASSETS: Record<string, string> = { equity: "Equity", mutual_funds: "Mutual funds", cash: "Cash" };

export function assetName(asset: string): string {
  return ASSETS[asset] ?? asset;
}

/** Colours of the asset classes (never red or green: those mean direction). */
export const ASSET_COLOURS: Record<string, string> = { equity: "blue.7", mutual_funds: "violet.6", cash: "orange.6" };

export function navSource(source: string): string {
  return source === "amfi" ? "AMFI NAV file" : "the CAS's own valuation";
}

/** The allocation as percentages of net worth (the API's shares), largest first; none
 * when there is nothing to allocate. */
export function allocationShares(parts: { asset: string; value: string; share: string }[]): { asset: string; value: string; pct: number }[] {
  return parts
    .map((p) => ({ asset: p.asset, value: p.value, pct: (toNumber(p.share) ?? 0) * 100 }))
    .filter((p) => p.pct > 0)
    .sort((a, b) => b.pct - a.pct);
}

/** The day a figure is of, against the day of the read: "today", else its date
 * ("31 Mar 2024"); "—" when not known. */
export function asOfWords(asOf: string | null | undefined, today: string): string {
  if (!asOf) return "—";
  return asOf === today ? "today" : istDate(asOf);
}

/** The line under a set of totals: the day they were read and, when an older figure is
 * in them, that figure's day. */
export function valuedLine(asOf: string, oldest: string | null | undefined): string {
  const read = `Valued on ${istDate(asOf)}.`;
  if (!oldest || oldest >= asOf) return read;
  return `${read} The oldest figure in it is of ${istDate(oldest)}: each row says the day of its own.`;
}

/** The funds the API flags as valued at a NAV more than a week old (or undated), and the
 * oldest of their NAV days; none when every NAV is recent. */
export function staleNavs(funds: { nav_stale: boolean; nav_date?: string | null }[]): { count: number; oldest: string | null } {
  const stale = funds.filter((f) => f.nav_stale);
  const days = stale.map((f) => f.nav_date).filter((d): d is string => !!d).sort();
  return { count: stale.length, oldest: days[0] ?? null };
}
