import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { FeedBadgeView } from "./FeedBadge";
import type { Feed } from "./feed";

afterEach(cleanup);

const live: Feed = { source: "kite", state: "live", last_tick_age_secs: 0.4, subscriptions: 50, stale_after_secs: 10, reconnects: 0 };

function badge(feed: Feed | undefined, quietOnly = false) {
  render(<MantineProvider><FeedBadgeView feed={feed} quietOnly={quietOnly} /></MantineProvider>);
  return screen.queryByTestId("feed-badge");
}

describe("FeedBadge", () => {
  it("says a live feed is live, with its tick age for screen readers", () => {
    const shown = badge(live);
    expect(shown?.textContent).toBe("Feed live");
    expect(shown?.getAttribute("aria-label")).toBe("Feed live. Kite feed is live: last tick 0 s ago, 50 instruments.");
    expect(shown?.dataset.tone).toBe("live");
  });
  it("says how long a quiet feed has been stale", () => {
    const shown = badge({ ...live, state: "stale", last_tick_age_secs: 17.8 });
    expect(shown?.textContent).toBe("Feed stale 18 s");
    expect(shown?.dataset.tone).toBe("stale");
  });
  it("says the prices come from REST quotes while the broker's quote fills them", () => {
    const shown = badge({ ...live, state: "reconnecting", last_tick_age_secs: 40, filling_from: "rest", last_fill_age_secs: 2 });
    expect(shown?.textContent).toBe("Prices from REST quotes");
    expect(shown?.getAttribute("aria-label")).toContain("Prices come from the broker's REST quote, last fetched 2 s ago.");
  });
  it("says a feed is down", () => {
    expect(badge({ ...live, state: "down", last_tick_age_secs: null })?.textContent).toBe("Feed down");
  });
  it("hides a live feed where only trouble is shown (the phone's bar), and any without a feed", () => {
    expect(badge(live, true)).toBeNull();
    cleanup();
    expect(badge({ ...live, state: "stale", last_tick_age_secs: 11 }, true)?.textContent).toBe("Feed stale 11 s");
    cleanup();
    expect(badge({ ...live, source: "none", state: "down" })).toBeNull();
  });
});
