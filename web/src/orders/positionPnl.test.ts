import { describe, expect, it } from "vitest";
import { positionPnl } from "./books";

describe("positionPnl", () => {
  it("marks the open quantity at the price shown beside it", () => {
    // bought 10 at 100, sold 4 at 110: flow −560, 6 open at 105 → +70
    const row = { quantity: 6, buy_value: 1000, sell_value: 440, multiplier: 1, pnl: 0 };
    expect(positionPnl(row, 105)).toBeCloseTo(70, 10);
    expect(positionPnl(row, 100)).toBeCloseTo(40, 10);
  });

  it("is the realised figure once flat, whatever the price", () => {
    const row = { quantity: 0, buy_value: 1000, sell_value: 1100, pnl: 100 };
    expect(positionPnl(row, 1)).toBe(100);
  });

  it("falls back to the API's figure when the row lacks its values", () => {
    expect(positionPnl({ quantity: 1, pnl: 12.5 }, 100)).toBe(12.5);
  });
});
