import { describe, expect, it } from "vitest";
import { type Feed, feedNotice, feedWords, isFromRest, isStale, ticketPriceWarning } from "./feed";

const live: Feed = { source: "kite", state: "live", last_tick_age_secs: 0.4, subscriptions: 50, stale_after_secs: 10, reconnects: 0 };
const quiet: Feed = { ...live, state: "reconnecting", last_tick_age_secs: 23.4 };
const filled: Feed = { ...quiet, filling_from: "rest", last_fill_age_secs: 1.6 };

describe("feed health", () => {
  it("marks prices stale only while the feed is quiet in market hours", () => {
    expect(isStale(live)).toBe(false);
    expect(isStale({ ...live, state: "down" })).toBe(false);
    expect(isStale({ ...live, state: "stale" })).toBe(true);
    expect(isStale({ ...live, state: "reconnecting" })).toBe(true);
    expect(isStale(undefined)).toBe(false);
  });
  it("says prices come from the REST quote only while a quiet feed is filled", () => {
    expect(isFromRest(filled)).toBe(true);
    expect(isFromRest(quiet)).toBe(false);
    expect(isFromRest({ ...filled, state: "live" })).toBe(false); // ticks are back
  });
  it("says how long the feed has been quiet", () => {
    expect(feedNotice(live)).toBeNull();
    expect(feedNotice({ ...live, state: "reconnecting", last_tick_age_secs: 12.6 }))
      .toBe("Kite feed: no tick for 13 s. Prices shown are stale; reconnecting.");
    expect(feedNotice(filled))
      .toBe("Kite feed: no tick for 23 s; reconnecting. Prices shown come from the broker's REST quote (last fetched 2 s ago).");
  });
});

describe("feed badge words", () => {
  it("names each state with its age", () => {
    expect(feedWords(live)).toMatchObject({ label: "Feed live", tone: "live" });
    expect(feedWords({ ...live, state: "stale", last_tick_age_secs: 12.2 })).toMatchObject({ label: "Feed stale 12 s", tone: "stale" });
    expect(feedWords(quiet)).toMatchObject({ label: "Feed reconnecting", tone: "stale" });
    expect(feedWords(quiet)?.detail).toBe("Kite feed: last tick 23 s ago; reconnecting. Prices shown are stale.");
    expect(feedWords({ ...live, state: "down", last_tick_age_secs: null })).toMatchObject({ label: "Feed down", tone: "down" });
    expect(feedWords(filled)).toMatchObject({ label: "Prices from REST quotes", tone: "rest" });
    expect(feedWords(filled)?.detail).toContain("last fetched 2 s ago");
  });
  it("shows nothing without a feed configured or an answer", () => {
    expect(feedWords({ ...live, source: "none", state: "down" })).toBeNull();
    expect(feedWords(undefined)).toBeNull();
  });
});

describe("the ticket's stale-price warning", () => {
  it("warns a market-priced order on a quiet feed, and nothing else", () => {
    expect(ticketPriceWarning(quiet, "MARKET"))
      .toBe("The last price is stale: the Kite feed has sent no tick for 23 s. A market order is priced from it; a limit order names its price.");
    expect(ticketPriceWarning(quiet, "SL-M")).not.toBeNull();
    expect(ticketPriceWarning(quiet, "LIMIT")).toBeNull();
    expect(ticketPriceWarning(live, "MARKET")).toBeNull();
    expect(ticketPriceWarning(undefined, "MARKET")).toBeNull();
    expect(ticketPriceWarning(filled, "MARKET")).toContain("comes from the broker's REST quote, fetched 2 s ago");
  });
});
