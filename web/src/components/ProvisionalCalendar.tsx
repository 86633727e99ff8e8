import { Badge, Tooltip } from "@mantine/core";

const WHY =
  "Made on days past NSE's published holiday list: every weekday there is assumed to trade. " +
  "Until the server's admin loads NSE's list, a holiday on one of them is not known.";

/** Says so when a result (a scan, a signal, a backtest, a GTT) rests on provisional calendar days. */
export function ProvisionalCalendar({
  provisional,
  label = "Provisional calendar",
  why = WHY,
}: {
  provisional?: boolean | null;
  label?: string;
  why?: string;
}) {
  if (!provisional) return null;
  return (
    <Tooltip label={why} multiline w={300}>
      <Badge color="#854d0e" variant="filled" size="sm" tabIndex={0} aria-label={`${label}: ${why}`} style={{ flexShrink: 0, minWidth: "max-content" }}>
        {label}
      </Badge>
    </Tooltip>
  );
}
