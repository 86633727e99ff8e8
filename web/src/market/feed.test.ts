import { describe, expect, it } from "vitest";
import { type Feed, feedNotice, isStale } from "./feed";

const live: Feed = { source: "kite", state: "live", last_tick_age_secs: 0.4, subscriptions: 50, stale_after_secs: 10, reconnects: 0 };

describe("feed health", () => {
  it("marks prices stale only while the feed is quiet in market hours", () => {
    expect(isStale(live)).toBe(false);
    expect(isStale({ ...live, state: "down" })).toBe(false);
    expect(isStale({ ...live, state: "stale" })).toBe(true);
    expect(isStale({ ...live, state: "reconnecting" })).toBe(true);
    expect(isStale(undefined)).toBe(false);
  });
  it("says how long the feed has been quiet", () => {
    expect(feedNotice(live)).toBeNull();
    expect(feedNotice({ ...live, state: "reconnecting", last_tick_age_secs: 12.6 }))
      .toBe("Kite feed: no tick for 13 s. Prices shown are stale; reconnecting.");
  });
});
