import { Money } from "@/components/Money";
import { useTick } from "@/ticks/useTick";

/** The last traded price from the tick stream, else the price the API valued it at. */
export function LiveLtp({ symbol, fallback }: { symbol: string; fallback: string | null | undefined }) {
  const tick = useTick(symbol, "ltp");
  return <Money value={tick?.ltp ?? fallback} />;
}
