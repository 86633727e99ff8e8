// The top bar's feed badge: live, stale for N s, reconnecting, down, or prices from the
// broker's REST quotes. A trader sees it on every page; on a phone a live feed shows no badge
// (the bar is narrow), anything else does.
import { Badge, Tooltip } from "@mantine/core";
import { type Feed, type FeedTone, feedWords, useFeed } from "./feed";

const COLOURS: Record<FeedTone, { color: string; c?: string; variant: "outline" | "filled" }> = {
  live: { color: "teal.9", variant: "outline" }, // the light variant falls short of AA
  stale: { color: "orange.4", c: "black", variant: "filled" },
  rest: { color: "yellow.4", c: "black", variant: "filled" },
  down: { color: "red.8", variant: "filled" },
};

/** The badge for `feed` (null: no feed to show, or a live one where `quietOnly`). */
export function FeedBadgeView({ feed, quietOnly = false }: { feed: Feed | undefined; quietOnly?: boolean }) {
  const words = feedWords(feed);
  if (!words || (quietOnly && words.tone === "live")) return null;
  const colour = COLOURS[words.tone];
  return (
    <Tooltip label={words.detail} multiline w={300} withArrow events={{ hover: true, focus: true, touch: true }}>
      <Badge color={colour.color} c={colour.c} variant={colour.variant} tabIndex={0} data-testid="feed-badge"
        data-tone={words.tone} aria-label={`${words.label}. ${words.detail}`} role="status">
        {words.label}
      </Badge>
    </Tooltip>
  );
}

/** The feed badge, from `GET /api/market/feed` (polled every 5 s). */
export function FeedBadge({ quietOnly = false }: { quietOnly?: boolean }) {
  return <FeedBadgeView feed={useFeed().data} quietOnly={quietOnly} />;
}
