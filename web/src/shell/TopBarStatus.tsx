import { Badge } from "@mantine/core";
import { useMe } from "@/auth/useMe";

/** Mode badge and the desk's state at a glance (P&L, kill switch, alerts join it here). */
export function TopBarStatus() {
  const me = useMe();
  const live = me.data?.live_trading_enabled ?? false;
  return (
    <Badge color={live ? "red" : "dark"} variant={live ? "filled" : "outline"} aria-label="Trading mode">
      {live ? "Live" : "Paper"}
    </Badge>
  );
}
