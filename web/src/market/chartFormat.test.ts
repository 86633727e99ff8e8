import { describe, expect, it } from "vitest";
import {
  type Candle, type ChartTime, INTERVALS, TRADE_WORDS, chartTime, dayOf, fillMarkers, formingCandle, intervalMinutes, istToday, mondayOf, priceLabel,
  tradeChartPath, tradeFills, tradeFromSearch, tradeWindow, volumeLabel,
} from "./chartFormat";

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

describe("chart intervals", () => {
  const hhmm = (t: ChartTime) => new Date((t as number) * 1000).toISOString().slice(11, 16);
  it("puts an instant in its candle from 09:15 IST, as the API folds the minutes", () => {
    // 10:14:59 IST is the first hour's (09:15-10:15), 10:15 the second's
    expect(hhmm(chartTime("2026-11-19T10:14:59+05:30", "60minute"))).toBe("09:15");
    expect(hhmm(chartTime("2026-11-19T10:15:00+05:30", "60minute"))).toBe("10:15");
    expect(hhmm(chartTime("2026-11-19T15:29:00+05:30", "60minute"))).toBe("15:15");
    expect(hhmm(chartTime("2026-11-19T09:44:10+05:30", "15minute"))).toBe("09:30");
    expect(hhmm(chartTime("2026-11-19T09:20:00+05:30", "3minute"))).toBe("09:18");
    expect(hhmm(chartTime("2026-11-19T09:08:30+05:30", "30minute"))).toBe("09:08"); // pre-open: its minute
  });
  it("dates a week by its Monday", () => {
    expect(mondayOf("2026-11-19")).toBe("2026-11-16");
    expect(mondayOf("2026-11-16")).toBe("2026-11-16");
    expect(mondayOf("2026-11-22")).toBe("2026-11-16"); // a Sunday ends the week
    expect(chartTime("2026-11-20T04:00:00Z", "week")).toBe("2026-11-16");
    expect(intervalMinutes("60minute")).toBe(60);
    expect(intervalMinutes("week")).toBeNull();
    expect(INTERVALS.map((i) => i.value)).toEqual(["minute", "3minute", "5minute", "15minute", "30minute", "60minute", "day", "week"]);
  });
  it("extends the forming candle with a tick in it and starts a new one after", () => {
    const start = chartTime("2026-11-19T09:30:00+05:30", "15minute");
    const last: Candle = { time: start, open: 100, high: 103, low: 99, close: 101, volume: 500 };
    expect(formingCandle(last, { ltp: 104, timestamp: "2026-11-19T09:44:00+05:30" }, "15minute"))
      .toEqual({ time: start, open: 100, high: 104, low: 99, close: 104, volume: 500 });
    const next = formingCandle(last, { ltp: 98, timestamp: "2026-11-19T09:45:00+05:30" }, "15minute");
    expect(next).toMatchObject({ open: 98, high: 98, low: 98, close: 98, volume: 0 });
    expect(formingCandle(last, { ltp: 98, timestamp: "2026-11-19T09:29:00+05:30" }, "15minute")).toBeNull();
  });
  it("takes the day's range into the week's candle", () => {
    const last: Candle = { time: "2026-11-16", open: 100, high: 110, low: 95, close: 105, volume: 9 };
    const tick = { ltp: 112, timestamp: "2026-11-19T10:00:00+05:30", ohlc: { open: 106, high: 113, low: 94 } };
    expect(formingCandle(last, tick, "week")).toEqual({ time: "2026-11-16", open: 100, high: 113, low: 94, close: 112, volume: 9 });
    expect(formingCandle(null, tick, "day")).toEqual({ time: "2026-11-19", open: 106, high: 113, low: 94, close: 112, volume: 0 });
  });
});
