import { type Amount, direction, inr, signedInr } from "@/format";

/** A rupee figure; `pnl` adds the sign and the direction colour (the only use of red/green). */
export function Money({ value, pnl = false, decimals = 2 }: { value: Amount; pnl?: boolean; decimals?: number }) {
  if (!pnl) return <span className="num">{inr(value, decimals)}</span>;
  const dir = direction(value);
  return (
    <span className={`num ${dir === "flat" ? "" : dir}`}>{signedInr(value, decimals)}</span>
  );
}
