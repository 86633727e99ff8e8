import { describe, expect, it } from "vitest";
import { quoteFigures } from "./quote";

describe("quoteFigures", () => {
  it("is nothing before the first tick", () => {
    expect(quoteFigures(undefined)).toBeNull();
  });

  it("takes the change from the previous close and the server's percentage", () => {
    const tick = { ltp: 1520.5, ohlc: { open: 1500, high: 1525, low: 1498, close: 1500.3 }, change: 1.3464 };
    expect(quoteFigures(tick)).toEqual({ ltp: 1520.5, change: 20.2, changePct: 1.3464 });
  });

  it("computes the percentage when the tick has none", () => {
    const tick = { ltp: 95, ohlc: { open: 100, high: 100, low: 94, close: 100 } };
    expect(quoteFigures(tick)).toEqual({ ltp: 95, change: -5, changePct: -5 });
  });

  it("has no change without a previous close (ltp mode)", () => {
    expect(quoteFigures({ ltp: 10 })).toEqual({ ltp: 10, change: null, changePct: null });
  });
});
