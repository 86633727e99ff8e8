// An instrument as a trader reads it, with its exchange as a small tag: "RELIANCE NSE",
// "NIFTY 1 Dec 28200 CE NFO" (format/instrument says the name).
import { Text } from "@mantine/core";
import { instrumentParts } from "@/format";

interface Props {
  /** A key ("NSE:RELIANCE") or a bare trading symbol with `exchange`. */
  symbol: string | null | undefined;
  exchange?: string | null;
  /** Leave the tag out (where the exchange is said once for the whole view). */
  noTag?: boolean;
  /** On a phone, leave the usual exchange (NSE, NFO) unsaid: the row's width is for its
   * figures and buttons; BSE and BFO keep their tag. */
  compact?: boolean;
  fw?: number;
}

const USUAL = new Set(["NSE", "NFO"]);

export function InstrumentName({ symbol, exchange, noTag = false, compact = false, fw }: Props) {
  const parts = instrumentParts(symbol, exchange);
  const phoneHides = compact && USUAL.has(parts.exchange);
  return (
    <span style={{ whiteSpace: "nowrap", fontWeight: fw }}>
      {parts.name}
      {!noTag && parts.exchange && (
        <Text span fz={10} fw={500} c="dimmed" visibleFrom={phoneHides ? "sm" : undefined}
          style={{ letterSpacing: "0.02em", verticalAlign: "1px" }}>
          {" "}{parts.exchange}
        </Text>
      )}
    </span>
  );
}
