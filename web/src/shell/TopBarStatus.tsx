import { ActionIcon, Badge, Group, Popover, Stack } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { AccountSwitch } from "@/account/AccountSwitch";
import { useMe } from "@/auth/useMe";
import { FeedBadge } from "@/market/FeedBadge";
import { BrokerSession } from "./BrokerSession";
import { InstrumentSearch } from "./InstrumentSearch";
import { KillSwitch } from "./KillSwitch";
import { MarketClockBadge } from "./MarketClockBadge";
import { NotificationsBell } from "./NotificationsBell";
import { PnlToday } from "./PnlToday";

/** The account on screen (its switch), live trading when on, the market and its feed, broker session, today's P&L against the loss limit, kill
 * switch, alerts, search. On a phone the P&L and broker fold into one button; the kill
 * switch stays in the bar; the feed's badge folds too, and the market watch shows it while
 * the feed is quiet. */
export function TopBarStatus() {
  const me = useMe();
  const live = me.data?.live_trading_enabled ?? false;
  const phone = useMediaQuery("(max-width: 62em)");
  return (
    <Group gap={phone ? 4 : "xs"} wrap="nowrap">
      <AccountSwitch />
      {live && (
        <Badge color="red" variant="filled" aria-label="Trading mode" title="Live trading is on: orders may go to your broker">
          Live
        </Badge>
      )}
      {phone ? (
        <Popover position="bottom-end" withinPortal shadow="md">
          <Popover.Target>
            <ActionIcon variant="subtle" size="lg" aria-label="Desk status: today's P&L and broker">
              <span aria-hidden>₹</span>
            </ActionIcon>
          </Popover.Target>
          <Popover.Dropdown>
            <Stack gap="xs">
              <MarketClockBadge />
              <FeedBadge />
              <PnlToday />
              <BrokerSession />
            </Stack>
          </Popover.Dropdown>
        </Popover>
      ) : (
        <>
          <MarketClockBadge />
          <FeedBadge />
          <BrokerSession />
          <PnlToday />
        </>
      )}
      <InstrumentSearch />
      <NotificationsBell />
      <KillSwitch compact={phone} />
    </Group>
  );
}
