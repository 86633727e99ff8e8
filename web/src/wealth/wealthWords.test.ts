import { describe, expect, it } from "vitest";
import { allocationShares, assetName, navSource, sourceName, sourcesLine } from "./wealthWords";

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
});
