// The journal's words and orderings: financial years, rates and win rates as percentages, the
// Edge Finder's buckets, the Patterns' dimensions in words and their buckets in a natural
// order, an upload's report in one line. Nothing here computes a figure the API sends.
import { ApiError } from "@/api/errors";
import { brokerLabel, houseLabel, istDate, qty } from "@/format";

/** The financial year of a market day: "2024-04-01" → "2024-25", "2025-03-31" → "2024-25". */
export function fyOf(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  const start = m >= 4 ? y : y - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, "0")}`;
}

/** Today's date in IST (the financial year turns at midnight in India). */
export { istToday } from "@/format";

/** The financial years that have a closed round trip, newest first; this year when none. */
export function financialYears(closedDays: string[], today: string): string[] {
  const years = new Set(closedDays.map(fyOf));
  if (years.size === 0) years.add(fyOf(today));
  return [...years].sort().reverse();
}

/** "2024-25" → "1 April 2024 to 31 March 2025". */
export function fyRange(fy: string): string {
  const start = Number(fy.slice(0, 4));
  return `1 April ${start} to 31 March ${start + 1}`;
}

/** A fraction as a percentage without trailing zeros: "0.125" → "12.5%", "0.2" → "20%". */
export function fractionPct(value: string | number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value) * 100;
  if (!Number.isFinite(n)) return "—";
  return `${n.toFixed(decimals).replace(/\.?0+$/, "")}%`;
}

/** "1.85" → "1.85 : 1"; none when there is no loser to compare with. */
export function riskReward(value: string | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value} : 1`;
}

const GAINS: Record<string, string> = {
  stcg: "Short-term capital gains (s.111A)",
  ltcg: "Long-term capital gains (s.112A)",
};

export function gainsName(kind: string): string {
  return GAINS[kind] ?? kind.toUpperCase();
}

/** Schedule 112A's column 1a in words: "BE" → "On or before 31 Jan 2018". */
export function acquiredName(code: string): string {
  return code === "BE" ? "On or before 31 Jan 2018" : "After 31 Jan 2018";
}

/** Schedule 112A's column 1b in words, with the rate it brings: "BE" → "Before 23 Jul 2024 (10%)". */
export function transferredName(code: string): string {
  return code === "BE" ? "Before 23 Jul 2024 (10%)" : "From 23 Jul 2024 (12.5%)";
}

export interface EdgeBucket {
  key: string;
  title: string;
  hint: string;
}

/** The Edge Finder's four buckets, in the order the page shows them. */
export const EDGE_BUCKETS: EdgeBucket[] = [
  { key: "strong", title: "Strong edge", hint: "Positive expectancy over a solid sample, steady results." },
  { key: "moderate", title: "Moderate edge", hint: "Positive expectancy, with a warning: a small sample or a high variance." },
  { key: "negative", title: "Negative edge", hint: "Expectancy at or below zero: these symbols cost you money on average." },
  { key: "too_few", title: "Too few trades", hint: "Fewer trades than the minimum; no edge can be told yet." },
];

const DIMENSIONS: Record<string, string> = {
  holding_period: "Holding period",
  position_size: "Position size (your own small, medium and large thirds)",
  trade_of_day: "Trade of the day",
  day_of_week: "Day of the week",
  after_loss: "After a loss or a win (revenge trading)",
  scale_in: "Scaled in or a single entry",
  holding_x_after_loss: "Holding period × after a loss or a win",
  size_x_day_of_week: "Position size × day of the week",
  trend_alignment: "Trend alignment",
  volatility_regime: "Volatility regime",
  rsi_zone: "RSI zone",
  sector: "Sector",
};

/** A Patterns dimension in words. */
export function dimensionName(name: string): string {
  return DIMENSIONS[name] ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

const ORDER = [
  "0-3d", "4-7d", "8-14d", "15-21d", "22-30d", ">30d",
  "small", "medium", "large",
  "first", "middle", "last",
  "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
  "first trade", "after a loss", "after a win",
  "single entry", "scaled in",
];
const RANK = new Map(ORDER.map((label, i) => [label, i]));

/** Buckets in their natural order (0-3d before 4-7d, Mon before Tue; a cross pair by its
 * first part, then its second); labels the page does not know go last, alphabetically. */
export function inNaturalOrder<T extends { label: string }>(buckets: T[]): T[] {
  const key = (label: string) => label.split(" × ").map((part) => RANK.get(part) ?? ORDER.length);
  return [...buckets].sort((a, b) => {
    const ka = key(a.label);
    const kb = key(b.label);
    for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
      const diff = (ka[i] ?? -1) - (kb[i] ?? -1);
      if (diff !== 0) return diff;
    }
    return a.label.localeCompare(b.label);
  });
}

/** A bucket label as a trader reads it: "0-3d" → "0–3 days", ">30d" → "Over 30 days". */
export function bucketLabel(label: string): string {
  return label
    .split(" × ")
    .map((part) => {
      const days = /^(\d+)-(\d+)d$/.exec(part);
      if (days) return `${days[1]}–${days[2]} days`;
      if (part === ">30d") return "Over 30 days";
      return part.charAt(0).toUpperCase() + part.slice(1);
    })
    .join(" × ");
}

/** What a file became, in one line: "12 rows read · 10 added · 2 duplicates skipped". */
export function reportLine(r: { rows_read: number; rows_added: number; duplicates: number; skipped: number }): string {
  const plural = (n: number, one: string, many: string) => `${qty(n)} ${n === 1 ? one : many}`;
  const parts = [
    plural(r.rows_read, "row read", "rows read"),
    `${qty(r.rows_added)} added`,
    plural(r.duplicates, "duplicate skipped", "duplicates skipped"),
  ];
  if (r.skipped > 0) parts.push(plural(r.skipped, "row that is no trade", "rows that are no trade"));
  return parts.join(" · ");
}

const KINDS: Record<string, string> = { tradebook: "Tradebook", ledger: "Ledger", cas: "Mutual fund CAS" };

export function kindName(kind: string): string {
  return KINDS[kind] ?? kind;
}

/** What a dropped file most likely is, from its name: a PDF is a CAS, a name with "ledger"
 * a ledger, anything else a tradebook (the server checks the layout either way). */
export function guessKind(filename: string): "tradebook" | "ledger" | "cas" {
  const name = filename.toLowerCase();
  if (name.endsWith(".pdf")) return "cas";
  if (name.includes("ledger")) return "ledger";
  return "tradebook";
}

/** Whose statement a file is: a broker's firm ("zerodha" → "Zerodha", `format/brokers`), or
 * the registrar of a CAS. */
export function brokerName(broker: string): string {
  return broker === "KFINTECH" ? "KFintech" : houseLabel(broker);
}

/** "01 Apr 2024 – 30 Jun 2024", or what is known of it. */
export function dateRange(from: string | null | undefined, to: string | null | undefined): string {
  if (!from && !to) return "—";
  if (from && to) return `${istDate(from)} – ${istDate(to)}`;
  return istDate(from ?? to);
}

const SOURCES: Record<string, string> = {
  upload: "Upload",
  paper: "Paper",
  live: "Live",
  "live+upload": "Live (also in a tradebook)",
};

/** A journal account: the broker's client code from a statement, or in words the book
 * TraderTape booked the fill in (paper, or the live broker). */
export function accountName(account: string): string {
  const label = brokerLabel(account); // "paper" and the live brokers
  return label !== account ? label : houseLabel(account);
}

/** Where a trade came from, in words. */
export function sourceName(source: string): string {
  return SOURCES[source] ?? source;
}

/** What kind of round trip it is: intraday, F&O or delivery (a label, not a tax class). */
export function tripType(t: { segment: string; intraday: boolean }): string {
  if (t.segment === "FO" || t.segment.startsWith("NFO")) return "F&O";
  return t.intraday ? "Intraday" : "Delivery";
}

/** An error as the page says it: the API's messages without their field names. */
export function problem(error: unknown): string {
  if (error instanceof ApiError) {
    const messages = Object.values(error.fields);
    return messages.length > 0 ? messages.join("; ") : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The benchmark's points (both 1 on the first day) as two lines starting at 100. */
export function benchmarkLines(points: { day: string; you: string; benchmark: string }[]): {
  you: { time: string; value: number }[];
  benchmark: { time: string; value: number }[];
} {
  const line = (pick: (p: (typeof points)[number]) => string) =>
    points.map((p) => ({ time: p.day, value: Number(pick(p)) * 100 })).filter((p) => Number.isFinite(p.value));
  return { you: line((p) => p.you), benchmark: line((p) => p.benchmark) };
}

const PERIODS: Record<string, string> = { all: "All time", "1y": "1 year", "3y": "3 years", "5y": "5 years" };

export function periodName(period: string): string {
  return PERIODS[period] ?? period;
}

/** A ratio to two places ("1.234" → "1.23"); "—" without one. */
export function ratio(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(2) : "—";
}
