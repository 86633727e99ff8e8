// The totals a Kite user reads above Holdings and under Positions, summed from the rows as
// each row shows them (the same tick, each row rounded to the paisa first), so a total is
// always the sum of the figures beside it.
import { type Holding, type Position, holdingDayChange, num, positionPnl } from "./books";

/** Rupees to whole paise, so a sum of shown figures has no float drift. */
const paise = (rupees: number): number => (Number.isFinite(rupees) ? Math.round(rupees * 100) : 0);

export interface PositionTotals { pnl: number; m2m: number }

/** Σ P&L and Σ M2M of `rows`, each at `ltp(row)` (undefined: the API's own figure). */
export function positionTotals(rows: readonly Position[], ltp: (row: Position) => number | undefined): PositionTotals {
  let pnl = 0;
  let m2m = 0;
  for (const row of rows) {
    const price = ltp(row);
    pnl += paise(price === undefined ? num(row, "pnl") : positionPnl(row, price, "pnl"));
    m2m += paise(price === undefined ? num(row, "m2m") : positionPnl(row, price, "m2m"));
  }
  return { pnl: pnl / 100, m2m: m2m / 100 };
}

export interface HoldingTotals {
  invested: number;
  current: number;
  day: number;
  /** The day's change against what the holdings were worth at its base. */
  dayPct: number | null;
  pnl: number;
  pnlPct: number | null;
}

/** The units a holding row holds, settled and T1: what its P&L and the totals count. */
export const held = (row: Holding): number => num(row, "quantity") + (Number.isFinite(num(row, "t1_quantity")) ? num(row, "t1_quantity") : 0);

/** Kite's holdings summary: invested at average cost, worth at the last price, the day's
 * change (per share × held) and the P&L, each the sum of its rows at `ltp(row)`. */
export function holdingTotals(rows: readonly Holding[], ltp: (row: Holding) => number | undefined): HoldingTotals {
  let invested = 0;
  let current = 0;
  let day = 0;
  let pnl = 0;
  for (const row of rows) {
    const tick = ltp(row);
    const price = tick ?? num(row, "last_price");
    const units = held(row);
    invested += paise(num(row, "average_price") * units);
    current += paise(price * units);
    day += paise(holdingDayChange(row, price).change * units);
    // as the row shows it: the API's P&L until the first tick
    pnl += paise(tick === undefined ? num(row, "pnl") : (price - num(row, "average_price")) * units);
  }
  const before = current - day;
  return {
    invested: invested / 100,
    current: current / 100,
    day: day / 100,
    dayPct: before > 0 ? (day / before) * 100 : null,
    pnl: pnl / 100,
    pnlPct: invested > 0 ? (pnl / invested) * 100 : null,
  };
}
