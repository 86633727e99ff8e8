import { describe, expect, it } from "vitest";
import type { Chain, Payoff } from "./optionApi";
import { scale } from "./payoffChart";
import { inFlight, legState } from "./legState";
import { addLeg, presetLegs } from "./spread";

const contract = (strike: number, type: "CE" | "PE") => ({
  tradingsymbol: `NIFTY26D01${strike}${type}`, instrument_token: strike, strike, option_type: type, expiry_key: "2026-12-01",
  lot_size: 65, ltp: "100", iv: 13, delta: 0.5, gamma: 0, theta: -1, vega: 1, oi: 1000,
});
const chain = {
  underlying: "NIFTY", expiry: "2026-12-01", expiries: [], spot: "25010", atm_strike: "25000", lot_size: 65, pcr: 1, max_pain: "25000",
  call_oi: 1, put_oi: 1, oi_source: "synthetic", updated_at: null,
  rows: [24800, 24850, 24900, 24950, 25000, 25050, 25100, 25150, 25200].map((s) => ({ strike: String(s), call: contract(s, "CE"), put: contract(s, "PE") })),
} as unknown as Chain;

describe("building a structure", () => {
  it("adds lots, nets opposite sides and drops a leg at zero", () => {
    let legs = addLeg([], "A", "BUY");
    legs = addLeg(legs, "A", "BUY");
    expect(legs).toEqual([{ tradingsymbol: "A", transaction_type: "BUY", lots: 2 }]);
    legs = addLeg(legs, "A", "SELL");
    legs = addLeg(legs, "A", "SELL");
    expect(legs).toEqual([]);
    expect(addLeg(addLeg([], "A", "SELL"), "A", "SELL")).toEqual([{ tradingsymbol: "A", transaction_type: "SELL", lots: 2 }]);
  });
  it("builds presets around ATM", () => {
    expect(presetLegs(chain, "bull_call").map((l) => `${l.transaction_type} ${l.tradingsymbol}`)).toEqual(["BUY NIFTY26D0125000CE", "SELL NIFTY26D0125100CE"]);
    expect(presetLegs(chain, "iron_condor").map((l) => l.tradingsymbol)).toEqual(["NIFTY26D0124800PE", "NIFTY26D0124900PE", "NIFTY26D0125100CE", "NIFTY26D0125200CE"]);
  });
});

describe("payoff chart scaling", () => {
  it("puts the API's points in the frame with zero inside", () => {
    const payoff = { points: [
      { spot: "24000", at_expiry: "-3250", today: "-3000" },
      { spot: "26000", at_expiry: "3250", today: "2000" },
    ] } as unknown as Payoff;
    const s = scale(payoff, { width: 200, height: 100, pad: 10 });
    expect(s.x(24000)).toBe(10);
    expect(s.x(26000)).toBe(190);
    expect(s.zeroY).toBeCloseTo(50);
    expect(s.expiry).toBe(`10.0,${s.y(-3250).toFixed(1)} 190.0,${s.y(3250).toFixed(1)}`);
  });
});

describe("opening expiry", () => {
  it("skips the one expiring on the market's day (IST)", async () => {
    const { openingExpiry } = await import("./spread");
    const days = ["2026-11-24", "2026-12-01"];
    expect(openingExpiry(days, "2026-11-24T09:00:00+00:00")).toBe("2026-12-01");
    expect(openingExpiry(days, "2026-11-23T20:00:00+00:00")).toBe("2026-12-01"); // 01:30 IST on the 24th
    expect(openingExpiry(days, "2026-11-23T10:00:00+00:00")).toBe("2026-11-24");
    expect(openingExpiry(days, null)).toBe("2026-11-24");
  });
});

describe("a leg's state", () => {
  it("reads in words with a colour for each state", () => {
    expect(legState("open")).toEqual(["Open at the broker", "blue.8"]);
    expect(legState("rejected")).toEqual(["Rejected", "red.8"]);
    expect(legState("unwinding")).toEqual(["Unwinding", "grape.9"]);
    expect(legState(null)[0]).toBe("Not entered");
    expect(legState("exit_rejected")[0]).toBe("Exit rejected");
  });
  it("is in flight until the broker settles it", () => {
    expect(inFlight(["filled", "sent"])).toBe(true);
    expect(inFlight(["filled", "unwound", "rejected"])).toBe(false);
  });
});
