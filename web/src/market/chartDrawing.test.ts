import { describe, expect, it } from "vitest";
import {
  type IndicatorForm, addPoint, candleAt, fibLevels, keyAction, labelLeft, nameOf, panesFor, priceStep, secondsOf, timeOf,
} from "./chartDrawing";

describe("fibLevels", () => {
  it("retraces from the swing's end: 61.8% of a ₹1,480 → ₹1,560 swing is ₹1,510.56", () => {
    const levels = fibLevels(1480, 1560);
    expect(levels.map((l) => l.price)).toEqual([1560, 1541.12, 1529.44, 1520, 1510.56, 1497.12, 1480]);
    expect(levels[0]!.ratio).toBe(0);
  });
  it("works downwards too", () => {
    expect(fibLevels(200, 100).find((l) => l.ratio === 0.5)!.price).toBe(150);
  });
});

describe("chart times", () => {
  it("a day is its 00:00 UTC and back", () => {
    expect(secondsOf("2026-11-20")).toBe(1795132800);
    expect(timeOf(1795132800, "day")).toBe("2026-11-20");
    expect(timeOf(1795165200, "5minute")).toBe(1795165200);
  });
  it("a point sits on the last candle at or before it", () => {
    const times = [100, 400, 700];
    expect(candleAt(times, 450)).toBe(400);
    expect(candleAt(times, 700)).toBe(700);
    expect(candleAt(times, 9999)).toBe(700);
    expect(candleAt(times, 5)).toBe(100);
    expect(candleAt([], 5)).toBeNull();
  });
});

describe("addPoint", () => {
  it("a level is one click, a line two, the same spot twice is not a line", () => {
    expect(addPoint([], "horizontal", { time: 1, price: 10 })).toEqual({ points: [{ time: 1, price: 10 }], done: true });
    const first = addPoint([], "trend", { time: 1, price: 10 });
    expect(first.done).toBe(false);
    expect(addPoint(first.points, "trend", { time: 1, price: 10 })).toEqual({ points: first.points, done: false });
    expect(addPoint(first.points, "fibonacci", { time: 2, price: 12 }).done).toBe(true);
  });
});

const MACD: IndicatorForm = {
  pattern: "macd_<F>_<S>_<G>_signal", kind: "macd_signal", description: "", place: "pane", template: "macd_{0}_{1}_{2}_signal",
  params: [{ letter: "F", low: 1, high: 1000, default: 12 }, { letter: "S", low: 2, high: 1000, default: 26 }, { letter: "G", low: 1, high: 1000, default: 9 }],
};

describe("nameOf", () => {
  it("fills the template; refuses values outside the form's range", () => {
    expect(nameOf(MACD, [12, 26, 9])).toBe("macd_12_26_9_signal");
    expect(nameOf(MACD, [12, 1, 9])).toBeNull();
    expect(nameOf(MACD, [12, 26])).toBeNull();
    expect(nameOf(MACD, [12.5, 26, 9])).toBeNull();
  });
});

describe("labels and panes", () => {
  it("a label never crosses the pane's right edge (the price scale)", () => {
    expect(labelLeft(100, 60, 390)).toBe(104);
    expect(labelLeft(380, 60, 390)).toBe(326);
    expect(labelLeft(-50, 60, 390)).toBe(4);
  });
  it("price indicators on the candles, each family in a pane of its own", () => {
    const place = (n: string) => (n.startsWith("sma") || n.startsWith("bb") ? "price" : "pane") as "price" | "pane";
    const panes = panesFor(["sma20", "rsi14", "macd_12_26_9", "macd_12_26_9_signal", "stoch14", "stoch14_d", "bb20_upper"], place);
    expect([...panes.entries()]).toEqual([
      ["sma20", 0], ["rsi14", 1], ["macd_12_26_9", 2], ["macd_12_26_9_signal", 2], ["stoch14", 3], ["stoch14_d", 3], ["bb20_upper", 0],
    ]);
  });
});

describe("drawing by keyboard", () => {
  const cursor = { index: 5, price: 1500 };
  it("moves the point a candle or ten, and the price by about 0.1 % on the 5-paise grid", () => {
    expect(priceStep(1500)).toBe(1.5);
    expect(priceStep(1512.3)).toBe(1.5);
    expect(priceStep(20)).toBe(0.05); // never below a tick
    expect(keyAction("ArrowRight", false, cursor, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 6, price: 1500 } });
    expect(keyAction("ArrowLeft", true, cursor, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 0, price: 1500 } });
    expect(keyAction("ArrowRight", true, cursor, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 9, price: 1500 } });
    expect(keyAction("End", false, { index: 0, price: 1500 }, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 9, price: 1500 } });
    expect(keyAction("ArrowUp", false, cursor, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 5, price: 1501.5 } });
    expect(keyAction("ArrowDown", true, cursor, 10, 1.5)).toEqual({ kind: "move", cursor: { index: 5, price: 1485 } });
  });
  it("places with Enter or Space, takes back with Delete, stops with Escape, and lets other keys be", () => {
    expect(keyAction("Enter", false, cursor, 10, 1.5)).toEqual({ kind: "place" });
    expect(keyAction(" ", false, cursor, 10, 1.5)).toEqual({ kind: "place" });
    expect(keyAction("Delete", false, cursor, 10, 1.5)).toEqual({ kind: "remove" });
    expect(keyAction("Backspace", false, cursor, 10, 1.5)).toEqual({ kind: "remove" });
    expect(keyAction("Escape", false, cursor, 10, 1.5)).toEqual({ kind: "cancel" });
    expect(keyAction("Tab", false, cursor, 10, 1.5)).toBeNull();
  });
  it("a trend line by keys: two points placed, the same spot twice waits for a second", () => {
    const first = addPoint([], "trend", { time: 100, price: 1500 });
    expect(first.done).toBe(false);
    expect(addPoint(first.points, "trend", { time: 100, price: 1500 }).done).toBe(false);
    expect(addPoint(first.points, "trend", { time: 400, price: 1510.5 })).toEqual({
      points: [{ time: 100, price: 1500 }, { time: 400, price: 1510.5 }], done: true,
    });
  });
});
