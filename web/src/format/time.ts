// Times in IST whatever the browser's zone: the market runs on Asia/Kolkata, and a trader
// abroad still reads 09:15 as the open. Every page formats a time through this module. The
// API sends instants as ISO-8601 with an offset (UTC mostly); Kite-shaped rows (order and
// trade times) send IST wall-clock text with none ("2026-11-23 09:49:01"), which is read as
// IST, never as the browser's zone (a UTC browser would add 05:30 to it).

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
const isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" });
const clock = new Intl.DateTimeFormat("en-IN", {
  timeZone: ZONE,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

// A date and time with no zone: "2026-11-23 09:49:01", "2026-11-23T09:49:01.5".
const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/** The instant a value names; text without an offset is IST wall-clock time. */
export function instant(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  let d: Date;
  if (value instanceof Date) d = value;
  else if (typeof value === "string") {
    const wall = WALL_CLOCK.exec(value.trim());
    d = new Date(wall ? `${wall[1]}T${wall[2]}+05:30` : value);
  } else d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(format: Intl.DateTimeFormat, d: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of format.formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** 23 Nov 2026, 14:05:09 IST */
export function istDateTime(value: string | number | Date | null | undefined): string {
  const d = instant(value);
  if (!d) return "—";
  const p = parts(dateTime, d);
  const hour = p.hour === "24" ? "00" : p.hour;
  return `${p.day} ${p.month} ${p.year}, ${hour}:${p.minute}:${p.second} IST`;
}

/** 14:05:09 (IST), for dense tables where the day is known. A bare time ("14:05:09", as
 * Kite sends some) is already IST and is shown as is. */
export function istTime(value: string | number | Date | null | undefined): string {
  if (typeof value === "string" && /^\d{2}:\d{2}:\d{2}$/.test(value)) return value;
  const d = instant(value);
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
  const d = instant(value);
  if (!d) return "—";
  const p = parts(dayOnly, d);
  return `${p.day} ${p.month} ${p.year}`;
}

/** Today's date in IST as "YYYY-MM-DD" (the market's day, whatever the browser's zone). */
export function istToday(now: Date = new Date()): string {
  return isoDay.format(now);
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
