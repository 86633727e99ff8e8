// The market feed's health (GET /api/market/feed): a price from a feed that went quiet in
// market hours is old, and every price the market watch shows then carries a stale mark.
import { useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Feed = components["schemas"]["FeedOut"];

export const feedKey = ["market-feed"] as const;

export function useFeed() {
  return useQuery({
    queryKey: feedKey,
    queryFn: async () => unwrap(await api.GET("/api/market/feed")),
    refetchInterval: 5_000,
  });
}

const SOURCES: Record<string, string> = { kite: "Kite", upstox: "Upstox", simulated: "Simulated" };

/** Whether the prices shown are old (a quiet feed in market hours). */
export function isStale(feed: Feed | undefined): boolean {
  return feed?.state === "stale" || feed?.state === "reconnecting";
}

/** What to say of a stale feed (null while it is live or has no connection to judge). */
export function feedNotice(feed: Feed | undefined): string | null {
  if (!feed || !isStale(feed)) return null;
  const name = SOURCES[feed.source] ?? feed.source;
  const age = feed.last_tick_age_secs == null ? "since start-up" : `for ${Math.round(feed.last_tick_age_secs)} s`;
  const doing = feed.state === "reconnecting" ? "reconnecting" : "will reconnect";
  return `${name} feed: no tick ${age}. Prices shown are stale; ${doing}.`;
}
