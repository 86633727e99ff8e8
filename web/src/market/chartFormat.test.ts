import { describe, expect, it } from "vitest";
import { TRADE_WORDS, chartTime, dayOf, fillMarkers, istToday, priceLabel, tradeChartPath, tradeFills, tradeFromSearch, tradeWindow, volumeLabel } from "./chartFormat";

describe("chart labels", () => {
  it("groups prices the Indian way and uses lakh/crore for big ones", () => {
    expect(priceLabel(1520.5)).toBe("₹1,520.50");
    expect(priceLabel(125_000)).toBe("₹1.25 L");
    expect(priceLabel(32_000_000)).toBe("₹3.2 Cr");
  });
  it("reads the day of a candle and today in IST", () => {
    expect(dayOf("2024-01-05T00:00:00+05:30")).toBe("2024-01-05");
    expect(istToday(new Date("2024-01-05T19:00:00Z"))).toBe("2024-01-06");
    expect(istToday(new Date("2024-01-05T18:00:00Z"))).toBe("2024-01-05");
  });
});

describe("chart times, volume and fill markers", () => {
  it("puts a minute on an axis that reads IST and a day on its business day", () => {
    const t = chartTime("2026-11-19T04:01:42Z", "minute") as number; // 09:31:42 IST
    expect(new Date(t * 1000).toISOString().slice(11, 19)).toBe("09:31:00");
    expect(chartTime("2026-11-19T19:00:00Z", "day")).toBe("2026-11-20"); // after midnight IST
    expect(chartTime("2026-11-19", "day")).toBe("2026-11-19");
  });
  it("words volume the Indian way", () => {
    expect(volumeLabel(1_25_000)).toBe("1.25 L");
    expect(volumeLabel(950)).toBe("950");
  });
  it("marks fills once per candle and side, only on candles the chart has", () => {
    const fills = [
      { filled_at: "2026-11-18T05:00:00Z", side: "BUY", quantity: 10, price: "1400" },
      { filled_at: "2026-11-18T06:00:00Z", side: "BUY", quantity: 5, price: "1401" },
      { filled_at: "2026-11-19T06:00:00Z", side: "SELL", quantity: 4, price: "1410" },
      { filled_at: "2025-01-01T06:00:00Z", side: "SELL", quantity: 1, price: "1300" },
    ];
    const markers = fillMarkers(fills, "day", new Set(["2026-11-18", "2026-11-19"]));
    expect(markers.map((m) => [m.time, m.text, m.shape])).toEqual([
      ["2026-11-18", "Bought 15", "arrowUp"],
      ["2026-11-19", "Sold 4", "arrowDown"],
    ]);
  });
});

describe("a backtest trade on the chart", () => {
  const trade = { run: 12, entry: "2024-01-05", exit: "2024-02-09", quantity: 10, entryPrice: 1500, exitPrice: 1612.5 };
  it("links to the chart and reads the link back", () => {
    const path = tradeChartPath("NSE:INFY", trade);
    expect(path.startsWith("/chart/INFY?")).toBe(true);
    expect(tradeFromSearch(new URLSearchParams(path.split("?")[1]))).toEqual(trade);
    expect(tradeFromSearch(new URLSearchParams("entry=2024-02-09&exit=2024-01-05&run=1&qty=1&in=1&out=1"))).toBeNull();
    expect(tradeFromSearch(new URLSearchParams("symbol=INFY"))).toBeNull();
  });
  it("shows the days around it with its entry and exit marked", () => {
    expect(tradeWindow(trade)).toEqual({ from: "2023-11-06", to: "2024-03-10" });
    const markers = fillMarkers(tradeFills(trade), "day", new Set(["2024-01-05", "2024-02-09"]), TRADE_WORDS);
    expect(markers.map((m) => [m.time, m.text, m.position])).toEqual([
      ["2024-01-05", "Entry 10", "belowBar"],
      ["2024-02-09", "Exit 10", "aboveBar"],
    ]);
  });
});
