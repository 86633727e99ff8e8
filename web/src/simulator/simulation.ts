// The chain simulator's logic, apart from the page: the past minute asked for, the minutes a
// play tick moves, the frames kept for the MTM chart. Every figure is the API's; these only
// arrange them.
import type { components } from "@/api/client";

export type PastChain = components["schemas"]["PastChainOut"];
export type Session = components["schemas"]["SimulatorSessionOut"];
export type Frame = components["schemas"]["SimulatorFrameOut"];
export type LegIn = components["schemas"]["SimulatorLegIn"];

/** 09:15 IST is minute 0; 15:29 is the session's last (374). */
export const LAST_MINUTE = 374;
const OPEN = 9 * 60 + 15;
const IST_OFFSET_S = 5.5 * 3600;

/** Play speeds: simulated minutes per second of play. */
export const SPEEDS = [1, 5, 30] as const;
export type Speed = (typeof SPEEDS)[number];

/** The instant the API is asked for: a day and an IST time ("10:00") as ISO with +05:30. */
export function pastMoment(day: string, time: string): string {
  const [h = "09", m = "15"] = time.split(":");
  return `${day}T${h.padStart(2, "0")}:${m.padStart(2, "0")}:00+05:30`;
}

/** The IST clock time of a session minute ("10:00"). */
export function minuteClock(minute: number): string {
  const at = OPEN + minute;
  return `${String(Math.floor(at / 60)).padStart(2, "0")}:${String(at % 60).padStart(2, "0")}`;
}

/** Whether an IST time ("HH:MM") is within the session 09:15–15:29. */
export function inSession(time: string): boolean {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) return false;
  const minute = Number(match[1]) * 60 + Number(match[2]) - OPEN;
  return minute >= 0 && minute <= LAST_MINUTE;
}

/** The minutes one play tick moves at `speed`, never past 15:29. */
export function stepMinutes(minute: number, speed: Speed): number {
  return Math.max(0, Math.min(speed, LAST_MINUTE - minute));
}

/** Frames kept in minute order, a minute answered again replacing the older answer. */
export function mergeFrames(kept: Frame[], incoming: Frame[]): Frame[] {
  const byMinute = new Map(kept.map((f) => [f.minute, f]));
  for (const f of incoming) byMinute.set(f.minute, f);
  return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
}

/** An instant as seconds moved to IST, so the chart's axis reads the IST time of day. */
export function istSeconds(at: string): number {
  return Math.round(Date.parse(at) / 1000 + IST_OFFSET_S);
}

/** The MTM and net lines of the chart, one point a minute. */
export function mtmLines(frames: Frame[]): { mtm: { time: number; value: number }[]; net: { time: number; value: number }[] } {
  return {
    mtm: frames.map((f) => ({ time: istSeconds(f.at), value: Number(f.mtm) })),
    net: frames.map((f) => ({ time: istSeconds(f.at), value: Number(f.net) })),
  };
}

/** A leg from a chain contract, at `lots`. */
export function legFrom(strike: string, optionType: "CE" | "PE", side: "BUY" | "SELL", lots: number, expiry: string): LegIn {
  return { strike, option_type: optionType, transaction_type: side, lots, expiry };
}

/** Words for where the prices came from. */
export function sourceWords(source: Session["source"]): string {
  if (source === "minutes") return "Imported minute candles";
  if (source === "bhavcopy") return "Imported bhavcopy (daily closes)";
  return "Simulated market (nothing imported for this day)";
}

/** What saving does to the legs still open: none (null), or a sentence naming them and how
 * they close — at the minute's prices, or settled at expiry when the session stands at 15:29
 * on their contract's expiry day (the API's rule; it answers what it did). */
export function openLegsWords(session: Session): string | null {
  const open = session.legs.filter((l) => l.open);
  if (open.length === 0) return null;
  const names = open.map((l) => `leg ${l.id} (${l.side === "BUY" ? "bought" : "sold"} ${l.tradingsymbol})`).join(", ");
  const atClose = session.minute >= LAST_MINUTE && open.every((l) => l.expiry === session.date);
  const how = atClose
    ? "settles them at expiry (intrinsic value at the index's close), with charges"
    : `exits them at ${minuteClock(session.minute)} IST at that minute's prices, with charges, as Exit leg does`;
  return `Still open: ${names}. Saving ${how}.`;
}
