// The top bar's words for the market's clock. A demo replay (a practice session) stamps
// orders with a past day's time; saying so beside every time would crowd the tables, so the
// bar and the practice banner say it once (docs/architecture.md, "Clocks").
import type { components } from "@/api/client";
import { istDate, istDateTime, istTime } from "@/format";

type MarketClock = components["schemas"]["MarketClockOut"];

const day = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", weekday: "short", day: "numeric", month: "short" });

/** "Fri, 20 Nov" for a plain market day ("2026-11-20"). */
function marketDay(value: string): string {
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  return day.format(new Date(Date.UTC(y, m - 1, d, 6, 30)));
}

export interface ClockWords {
  label: string;
  colour: "teal" | "gray" | "yellow";
  detail: string;
  /** A practice session's banner line ("Practice session · replaying 27 Nov 2026 · 10:32:05
   * IST"); null outside a replay. */
  practice: string | null;
}

export function marketClockWords(clock: MarketClock): ClockWords {
  const opens = clock.next_open ? ` Next session opens ${istDateTime(clock.next_open)}.` : "";
  if (clock.phase === "replay" && clock.replay_of) {
    const replayed = marketDay(clock.replay_of);
    return {
      label: `Practice · ${replayed}`,
      colour: "yellow",
      practice: `Practice session · replaying ${istDate(clock.replay_of)} · ${istTime(clock.market_time)} IST`,
      detail:
        `Practice session: NSE is closed, so the ${replayed} session plays again and can be traded on paper. ` +
        `Orders, trades, GTTs and charts carry the replayed session's time (now ${istDateTime(clock.market_time)}); ` +
        `alerts, uploads, runs and notifications carry the real time (${istDateTime(clock.now)}).${opens}`,
    };
  }
  if (clock.phase === "open") {
    return { label: "Market open", colour: "teal", practice: null, detail: `NSE continuous trading. Market time ${istDateTime(clock.market_time)}.` };
  }
  return { label: "Market closed", colour: "gray", practice: null, detail: `No continuous trading now (${istDateTime(clock.now)}).${opens}` };
}
