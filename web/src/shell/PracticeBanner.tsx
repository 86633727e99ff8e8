import { Text } from "@mantine/core";
import { useAccount } from "@/account/account";
import { useMarketClock } from "./deskApi";
import { marketClockWords } from "./marketClockWords";

/** A practice session's line above every page of the paper account: which past session the
 * demo replays and its time now, so the replay's dates on orders and trades are never
 * unexplained (on a phone the top bar's clock badge folds away, this line stays). A broker's
 * account is real money in real time: no practice line over it. */
export function PracticeBanner() {
  const clock = useMarketClock();
  const account = useAccount();
  if (!clock.data || !account.paper) return null;
  const w = marketClockWords(clock.data);
  if (!w.practice) return null;
  return (
    <Text role="status" size="sm" fw={600} px="sm" py={4} mb="sm" bg="yellow.2" c="black"
      style={{ borderRadius: 4 }} title={w.detail} data-testid="practice-session">
      {w.practice}
      <Text span size="xs" fw={400} ml={6} visibleFrom="sm">Orders, trades and GTTs carry the replay's time; alerts, uploads and runs today's.</Text>
    </Text>
  );
}
