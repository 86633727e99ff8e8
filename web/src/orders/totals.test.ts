import { describe, expect, it } from "vitest";
import { type Holding, type Position, num } from "./books";
import { held, holdingTotals, positionTotals } from "./totals";

const holding = (h: Partial<Record<string, number | string>>) => h as unknown as Holding;
const position = (p: Partial<Record<string, number | string>>) => p as unknown as Position;

describe("holdingTotals", () => {
  const rows = [
    // 10 held at ₹100, last ₹110, up ₹4 on the day (base ₹106)
    holding({ tradingsymbol: "A", quantity: 10, t1_quantity: 0, average_price: 100, last_price: 110, day_change: 4, pnl: 100 }),
    // 3 + 2 in T1 at ₹33.333, last ₹30, down ₹1 (base ₹31)
    holding({ tradingsymbol: "B", quantity: 3, t1_quantity: 2, average_price: 33.333, last_price: 30, day_change: -1, pnl: -16.67 }),
  ];

  it("sums the rows as shown before the first tick", () => {
    const t = holdingTotals(rows, () => undefined);
    expect(t.invested).toBe(1000 + 166.67);
    expect(t.current).toBe(1100 + 150);
    expect(t.day).toBe(40 - 5);
    expect(t.pnl).toBe(100 - 16.67);
    expect(t.pnlPct).toBeCloseTo((83.33 / 1166.67) * 100, 10);
    expect(t.dayPct).toBeCloseTo((35 / (1250 - 35)) * 100, 10);
  });

  it("marks each row at its tick, its day change from the same base", () => {
    const t = holdingTotals(rows, (r) => (r.tradingsymbol === "A" ? 112 : undefined));
    expect(t.current).toBe(1120 + 150);
    expect(t.day).toBe(60 - 5); // (112 − 106) × 10
    expect(t.pnl).toBe(120 - 16.67);
  });

  it("has no percentages for an empty book", () => {
    expect(holdingTotals([], () => undefined)).toEqual({ invested: 0, current: 0, day: 0, dayPct: null, pnl: 0, pnlPct: null });
  });
});

describe("positionTotals", () => {
  it("is the sum of the rows as shown, each rounded to the paisa first", () => {
    const rows = [
      // 3 open, bought for ₹300.006, marked at ₹101: ₹2.994 shows as ₹2.99
      position({ quantity: 3, buy_value: 300.006, sell_value: 0, multiplier: 1, pnl: 0, m2m: 0 }),
      // closed: ₹0.334 shows as ₹0.33 (the API's figure, no tick)
      position({ quantity: 0, buy_value: 100, sell_value: 100.334, multiplier: 1, pnl: 0.33, m2m: 0.33 }),
    ];
    const t = positionTotals(rows, (r) => (r.quantity === 3 ? 101 : undefined));
    expect(t.pnl).toBe(3.32); // not the unrounded 3.328 → ₹3.33: the total is what the rows add to
    expect(t.m2m).toBe(3.32);
  });
});

describe("a Kite account's holdings (issue 64's screenshot)", () => {
  // 10 settled and 2 T1 INFY, average ₹1,416.67, LTP ₹1,402.70; 25 SBIN at ₹700, LTP ₹1,226.20;
  // each P&L as the server answers it: at the row's own average and last price
  const rows = [
    holding({ tradingsymbol: "INFY", quantity: 10, t1_quantity: 2, average_price: 1416.67, last_price: 1402.7, close_price: 1405.93, day_change: -3.23, pnl: -167.64 }),
    holding({ tradingsymbol: "SBIN", quantity: 25, t1_quantity: 0, average_price: 700, last_price: 1226.2, close_price: 1231.62, day_change: -5.42, pnl: 13155 }),
  ];

  it("shows the quantity its P&L is on (settled and T1), so each row adds up", () => {
    expect(rows.map(held)).toEqual([12, 25]);
    for (const r of rows) {
      expect(Math.round((num(r, "last_price") - num(r, "average_price")) * held(r) * 100) / 100).toBe(num(r, "pnl"));
    }
  });

  it("sums to the summary: total P&L is current value less investment", () => {
    const t = holdingTotals(rows, () => undefined);
    expect(t.invested).toBe(34500.04);
    expect(t.current).toBe(47487.4);
    expect(t.pnl).toBe(12987.36);
    expect(Math.round((t.current - t.invested) * 100) / 100).toBe(t.pnl);
  });
});
