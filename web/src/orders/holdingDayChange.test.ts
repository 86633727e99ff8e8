import { describe, expect, it } from "vitest";
import { holdingDayChange } from "./books";

describe("holdingDayChange", () => {
  it("measures a holding bought today from its buy price, as the API did", () => {
    // bought at 1,500 today (API: last 1,510, day change +10); yesterday's close is 1,480
    const row = { last_price: 1510, close_price: 1480, day_change: 10, day_change_percentage: 0.6667 };
    const { change, percentage } = holdingDayChange(row, 1495);
    expect(change).toBeCloseTo(-5, 10);
    expect(percentage).toBeCloseTo((-5 / 1500) * 100, 10);
  });

  it("gives rupees and percentage of one sign, whatever the tick", () => {
    const row = { last_price: 100, close_price: 98, day_change: 2, day_change_percentage: 2.04 };
    for (const ltp of [90, 97.5, 98, 98.5, 120]) {
      const { change, percentage } = holdingDayChange(row, ltp);
      expect(Math.sign(change)).toBe(Math.sign(percentage));
    }
  });
});
