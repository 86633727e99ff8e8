// The market feed's health (GET /api/market/feed): a price from a feed that went quiet in
// market hours is old, and every price the desk shows then carries a mark: the top bar's
// badge, the market watch's rows, the depth and the order ticket. Every server process
// answers the same state (the feed's own process publishes it), so which process a request
// lands on does not change what the desk says.
import { useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { brokerLabel } from "@/format";

export type Feed = components["schemas"]["FeedOut"];

export const feedKey = ["market-feed"] as const;

export function useFeed() {
  return useQuery({
    queryKey: feedKey,
    queryFn: async () => unwrap(await api.GET("/api/market/feed")),
    refetchInterval: 5_000,
  });
}

function sourceName(feed: Feed): string {
  return feed.source === "simulated" ? "Simulated" : brokerLabel(feed.source);
}

function seconds(value: number | null | undefined): string {
  return value == null ? "" : `${Math.round(value)} s`;
}

/** Whether the prices shown are old (a quiet feed in market hours). */
export function isStale(feed: Feed | undefined): boolean {
  return feed?.state === "stale" || feed?.state === "reconnecting";
}

/** Whether the prices shown were filled from the broker's REST quote (the socket is quiet). */
export function isFromRest(feed: Feed | undefined): boolean {
  return isStale(feed) && feed?.filling_from === "rest";
}

/** What to say of a stale feed (null while it is live or has no connection to judge). */
export function feedNotice(feed: Feed | undefined): string | null {
  if (!feed || !isStale(feed)) return null;
  const name = sourceName(feed);
  const age = feed.last_tick_age_secs == null ? "since start-up" : `for ${Math.round(feed.last_tick_age_secs)} s`;
  const doing = feed.state === "reconnecting" ? "reconnecting" : "will reconnect";
  if (isFromRest(feed)) {
    const fetched = feed.last_fill_age_secs == null ? "" : ` (last fetched ${seconds(feed.last_fill_age_secs)} ago)`;
    return `${name} feed: no tick ${age}; ${doing}. Prices shown come from the broker's REST quote${fetched}.`;
  }
  return `${name} feed: no tick ${age}. Prices shown are stale; ${doing}.`;
}

export type FeedTone = "live" | "stale" | "rest" | "down";

export interface FeedWords {
  /** the badge's text: "Feed live", "Feed stale 23 s", "Prices from REST quotes" … */
  label: string;
  /** one sentence for the tooltip and screen readers */
  detail: string;
  tone: FeedTone;
}

/** The top bar badge's words for the feed (null: no feed configured, nothing to watch). */
export function feedWords(feed: Feed | undefined): FeedWords | null {
  if (!feed || feed.source === "none") return null;
  const name = sourceName(feed);
  const tickAge = feed.last_tick_age_secs == null ? "no tick yet" : `last tick ${seconds(feed.last_tick_age_secs)} ago`;
  if (feed.state === "down") {
    return { label: "Feed down", tone: "down", detail: `${name} feed is down (no connection; ${tickAge}). Prices shown are not updating.` };
  }
  if (feed.state === "live") {
    return { label: "Feed live", tone: "live", detail: `${name} feed is live: ${tickAge}, ${feed.subscriptions} instruments.` };
  }
  if (isFromRest(feed)) {
    const fetched = feed.last_fill_age_secs == null ? "" : `, last fetched ${seconds(feed.last_fill_age_secs)} ago`;
    return { label: "Prices from REST quotes", tone: "rest",
      detail: `${name} feed is quiet (${tickAge}; ${feed.state}). Prices come from the broker's REST quote${fetched}.` };
  }
  if (feed.state === "reconnecting") {
    return { label: "Feed reconnecting", tone: "stale", detail: `${name} feed: ${tickAge}; reconnecting. Prices shown are stale.` };
  }
  const age = feed.last_tick_age_secs == null ? "" : ` ${seconds(feed.last_tick_age_secs)}`;
  return { label: `Feed stale${age}`, tone: "stale", detail: `${name} feed: ${tickAge} in market hours. Prices shown are stale.` };
}

/** What a market-priced ticket says before it is sent while the feed is quiet (null: nothing
 * to say: the order is priced, or the feed is live). A paper MARKET order fills at the
 * last price the server holds; a live one at the exchange's price when it arrives. */
export function ticketPriceWarning(feed: Feed | undefined, orderType: string): string | null {
  if (orderType !== "MARKET" && orderType !== "SL-M") return null;
  if (!feed || !isStale(feed)) return null;
  const name = sourceName(feed);
  const tickAge = feed.last_tick_age_secs == null ? "since start-up" : `for ${seconds(feed.last_tick_age_secs)}`;
  if (isFromRest(feed)) {
    const fetched = feed.last_fill_age_secs == null ? "" : `, fetched ${seconds(feed.last_fill_age_secs)} ago`;
    return `The ${name} feed has sent no tick ${tickAge}: the last price comes from the broker's REST quote${fetched}. A market order is priced from it.`;
  }
  return `The last price is stale: the ${name} feed has sent no tick ${tickAge}. A market order is priced from it; a limit order names its price.`;
}
