// Times in IST whatever the browser's zone: the market runs on Asia/Kolkata, and a trader
// abroad still reads 09:15 as the open. The API sends ISO-8601 with an offset (UTC mostly).

const ZONE = "Asia/Kolkata";

const dateTime = new Intl.DateTimeFormat("en-IN", {
  timeZone: ZONE,
  day: "2-digit",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const dayOnly = new Intl.DateTimeFormat("en-IN", {
  timeZone: ZONE,
  day: "2-digit",
  month: "short",
  year: "numeric",
});
const clock = new Intl.DateTimeFormat("en-IN", {
  timeZone: ZONE,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

function parse(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(format: Intl.DateTimeFormat, d: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of format.formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** 23 Nov 2026, 14:05:09 IST */
export function istDateTime(value: string | number | Date | null | undefined): string {
  const d = parse(value);
  if (!d) return "—";
  const p = parts(dateTime, d);
  const hour = p.hour === "24" ? "00" : p.hour;
  return `${p.day} ${p.month} ${p.year}, ${hour}:${p.minute}:${p.second} IST`;
}

/** 14:05:09 (IST), for dense tables where the day is known. */
export function istTime(value: string | number | Date | null | undefined): string {
  const d = parse(value);
  if (!d) return "—";
  const p = parts(clock, d);
  const hour = p.hour === "24" ? "00" : p.hour;
  return `${hour}:${p.minute}:${p.second}`;
}

/** 23 Nov 2026. A plain date ("2026-11-23") is a market day and is shown as is. */
export function istDate(value: string | number | Date | null | undefined): string {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, dd] = value.split("-").map(Number) as [number, number, number];
    return dayOnly.format(new Date(Date.UTC(y, m - 1, dd, 6, 30)));
  }
  const d = parse(value);
  if (!d) return "—";
  const p = parts(dayOnly, d);
  return `${p.day} ${p.month} ${p.year}`;
}

/** How long work took, in the unit a reader takes in: "38 ms", "1.4 s", "2 min 05 s". A
 * backtest usually takes a few milliseconds, which "0.0 s" would hide. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1) return "under 1 ms";
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}
