import { describe, expect, it } from "vitest";
import { markedPnl, markedTotal } from "./livePnl";

const adani = { symbol: "NSE:ADANIPORTS", quantity: 68, entry_price: "1452.00", unrealised_pnl: "2230.40" };
const titan = { symbol: "NSE:TITAN", quantity: 3, entry_price: "3521.10", unrealised_pnl: null };

describe("a dashboard row's P&L", () => {
  it("is quantity × (the LTP the row shows − average), to the paisa", () => {
    // the row: 68 @ 1,452 with LTP 1,498.90 is +3,189.20, not the polled 2,230.40
    expect(markedPnl(adani, 1498.9)).toBe(3189.2);
    expect(markedPnl(titan, 3475.05)).toBe(-138.15);
  });

  it("is the API's figure until a tick arrives", () => {
    expect(markedPnl(adani, undefined)).toBe(2230.4);
    expect(markedPnl(titan, undefined)).toBeNull();
  });

  it("adds up to the total the board shows", () => {
    const ltp: Record<string, number> = { "NSE:ADANIPORTS": 1498.9, "NSE:TITAN": 3475.05 };
    expect(markedTotal([adani, titan], (s) => ltp[s])).toBe(3051.05);
    expect(markedTotal([adani, titan], () => undefined)).toBe(2230.4);
  });
});
