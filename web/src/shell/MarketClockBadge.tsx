import { Badge, Tooltip } from "@mantine/core";
import { useMarketClock } from "./deskApi";
import { marketClockWords } from "./marketClockWords";

/** Market open, closed, or the demo's replay of the last session (with both times on hover). */
export function MarketClockBadge() {
  const clock = useMarketClock();
  if (!clock.data) return null;
  const w = marketClockWords(clock.data);
  return (
    <Tooltip label={w.detail} multiline w={320} withArrow events={{ hover: true, focus: true, touch: true }}>
      <Badge
        color={{ teal: "teal.9", gray: "gray.7", yellow: "yellow" }[w.colour]}
        variant="filled"
        c={w.colour === "yellow" ? "black" : undefined}
        tabIndex={0}
        aria-label={`${w.label}. ${w.detail}`}
        data-testid="market-clock"
      >
        {w.label}
      </Badge>
    </Tooltip>
  );
}
