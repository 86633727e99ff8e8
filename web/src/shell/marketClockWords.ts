// The top bar's words for the market's clock. A demo replay stamps orders with a past day's
// time; saying so beside every time would crowd the tables, so the bar says it once.
import type { components } from "@/api/client";
import { istDateTime } from "@/format";

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
}

export function marketClockWords(clock: MarketClock): ClockWords {
  const opens = clock.next_open ? ` Next session opens ${istDateTime(clock.next_open)}.` : "";
  if (clock.phase === "replay" && clock.replay_of) {
    const replayed = marketDay(clock.replay_of);
    return {
      label: `Replay of ${replayed}`,
      colour: "yellow",
      detail:
        `Demo: NSE is closed, so the ${replayed} session plays again and can be traded on paper. ` +
        `Orders, fills and GTTs carry the replayed session's time (now ${istDateTime(clock.market_time)}); ` +
        `notifications carry the real time (${istDateTime(clock.now)}).${opens}`,
    };
  }
  if (clock.phase === "open") {
    return { label: "Market open", colour: "teal", detail: `NSE continuous trading. Market time ${istDateTime(clock.market_time)}.` };
  }
  return { label: "Market closed", colour: "gray", detail: `No continuous trading now (${istDateTime(clock.now)}).${opens}` };
}
