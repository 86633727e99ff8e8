import { describe, expect, it } from "vitest";
import { type Frame, inSession, istSeconds, mergeFrames, minuteClock, mtmLines, openLegsWords, pastMoment, type Session, sourceWords, stepMinutes } from "./simulation";

const frame = (minute: number, mtm: string): Frame => ({
  minute, at: new Date(Date.UTC(2024, 11, 17, 3, 45 + minute)).toISOString(), spot: "24000", legs: [], mtm, charges: "0.00", net: mtm,
});

describe("the chain simulator's logic", () => {
  it("asks for an IST moment with its offset", () => {
    expect(pastMoment("2024-12-17", "10:00")).toBe("2024-12-17T10:00:00+05:30");
    expect(pastMoment("2024-12-17", "9:5")).toBe("2024-12-17T09:05:00+05:30");
  });

  it("reads session minutes as IST clock times", () => {
    expect(minuteClock(0)).toBe("09:15");
    expect(minuteClock(45)).toBe("10:00");
    expect(minuteClock(374)).toBe("15:29");
    expect(inSession("09:15")).toBe(true);
    expect(inSession("15:29")).toBe(true);
    expect(inSession("15:30")).toBe(false);
    expect(inSession("09:14")).toBe(false);
    expect(inSession("ten")).toBe(false);
  });

  it("never plays past 15:29", () => {
    expect(stepMinutes(45, 30)).toBe(30);
    expect(stepMinutes(370, 5)).toBe(4);
    expect(stepMinutes(374, 1)).toBe(0);
  });

  it("keeps frames in minute order, the newer answer of a minute winning", () => {
    const kept = [frame(46, "10.00"), frame(47, "12.00")];
    const merged = mergeFrames(kept, [frame(47, "13.00"), frame(45, "0.00")]);
    expect(merged.map((f) => [f.minute, f.mtm])).toEqual([[45, "0.00"], [46, "10.00"], [47, "13.00"]]);
  });

  it("draws the MTM at the IST time of day", () => {
    const at = "2024-12-17T04:30:00Z"; // 10:00 IST
    const seconds = istSeconds(at);
    expect(new Date(seconds * 1000).toISOString().slice(11, 16)).toBe("10:00");
    const lines = mtmLines([frame(0, "-1638.50")]);
    expect(lines.mtm[0]?.value).toBe(-1638.5);
  });

  it("names where the prices came from", () => {
    expect(sourceWords("synthetic")).toMatch(/Simulated/);
    expect(sourceWords("minutes")).toMatch(/minute candles/);
  });

  it("says which legs a save would exit, and how", () => {
    const leg = (id: number, open: boolean) => ({ id, open, side: "SELL", tradingsymbol: `NIFTY24D1924000${id === 1 ? "CE" : "PE"}`, expiry: "2024-12-19" });
    const session = (minute: number, date: string, legs: ReturnType<typeof leg>[]) => ({ minute, date, legs }) as unknown as Session;
    expect(openLegsWords(session(285, "2024-12-17", [leg(1, false)]))).toBeNull();
    expect(openLegsWords(session(285, "2024-12-17", [leg(1, false), leg(2, true)]))).toBe(
      "Still open: leg 2 (sold NIFTY24D1924000PE). Saving exits them at 14:00 IST at that minute's prices, with charges, as Exit leg does.",
    );
    expect(openLegsWords(session(374, "2024-12-19", [leg(2, true)]))).toMatch(/settles them at expiry/);
    expect(openLegsWords(session(374, "2024-12-17", [leg(2, true)]))).toMatch(/exits them at 15:29 IST/);
  });
});
