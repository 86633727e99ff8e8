import { describe, expect, it } from "vitest";
import { allocationShares, asOfWords, assetName, navSource, sourceName, sourcesLine, staleNavs, valuedLine } from "./wealthWords";

describe("wealth words", () => {
  it("says where a holding came from", () => {
    expect(sourceName("broker", "kite")).toBe("Kite (broker)");
    expect(sourceName("broker", "zerodha")).toBe("Zerodha (broker)");
    expect(sourceName("agent", "upstox")).toBe("Upstox (trading agent)");
    expect(sourceName("upload", "zerodha")).toBe("Uploaded tradebooks");
    expect(sourceName("cas")).toBe("CAS (demat)");
    expect(sourcesLine(["upload:zerodha", "cas:CDSL", "upload:upstox"])).toBe("Uploaded tradebooks, CAS (demat)");
  });

  it("names assets and NAV sources", () => {
    expect(["equity", "mutual_funds", "cash"].map(assetName)).toEqual(["Equity", "Mutual funds", "Cash"]);
    expect(navSource("amfi")).toBe("AMFI NAV file");
    expect(navSource("cas")).toBe("the CAS's own valuation");
  });

  it("turns the API's shares into percentages, largest first, without empty parts", () => {
    expect(allocationShares([
      { asset: "equity", value: "60000.00", share: "0.6000" },
      { asset: "mutual_funds", value: "0.00", share: "0.0000" },
      { asset: "cash", value: "40000.00", share: "0.4000" },
    ])).toEqual([
      { asset: "equity", value: "60000.00", pct: 60 },
      { asset: "cash", value: "40000.00", pct: 40 },
    ]);
    expect(allocationShares([])).toEqual([]);
  });

  it("says how old a figure is", () => {
    expect(asOfWords("2026-11-28", "2026-11-28")).toBe("today");
    expect(asOfWords("2024-03-31", "2026-11-28")).toBe("31 Mar 2024");
    expect(asOfWords(null, "2026-11-28")).toBe("—");
    expect(valuedLine("2026-11-28", "2026-11-28")).toBe("Valued on 28 Nov 2026.");
    expect(valuedLine("2026-11-28", null)).toBe("Valued on 28 Nov 2026.");
    expect(valuedLine("2026-11-28", "2024-03-31")).toBe(
      "Valued on 28 Nov 2026. The oldest figure in it is of 31 Mar 2024: each row says the day of its own.",
    );
  });

  it("finds the funds whose NAV asks for a newer file", () => {
    expect(staleNavs([
      { nav_stale: true, nav_date: "2024-03-31" },
      { nav_stale: false, nav_date: "2026-11-27" },
      { nav_stale: true, nav_date: "2023-03-31" },
      { nav_stale: true, nav_date: null },
    ])).toEqual({ count: 3, oldest: "2023-03-31" });
    expect(staleNavs([{ nav_stale: false, nav_date: "2026-11-27" }])).toEqual({ count: 0, oldest: null });
  });
});
