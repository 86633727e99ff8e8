import { describe, expect, it } from "vitest";
import { moneyTicks, niceTicks, percentTicks, plainTicks } from "./axis";

/** The unit a label speaks ("Cr", "L" or rupees) and its places; zero speaks none. */
function shape(label: string): { unit: string; places: number } | null {
  if (label === "₹0" || label === "0%" || /^0\.0+%$/.test(label)) return null;
  const unit = label.endsWith(" Cr") ? "Cr" : label.endsWith(" L") ? "L" : "₹";
  const number = label.replace(/ (Cr|L)$/, "").replace("%", "");
  return { unit, places: number.includes(".") ? number.split(".")[1]!.length : 0 };
}

/** What every axis must hold: one label a tick, all different, one unit and one precision. */
function expectReadable(ticks: number[], labels: string[]): void {
  expect(labels).toHaveLength(ticks.length);
  expect(new Set(labels).size, labels.join(" | ")).toBe(new Set(ticks).size);
  const shapes = labels.map(shape).filter((s) => s !== null);
  expect(new Set(shapes.map((s) => s.unit)).size, labels.join(" | ")).toBeLessThanOrEqual(1);
  expect(new Set(shapes.map((s) => s.places)).size, labels.join(" | ")).toBeLessThanOrEqual(1);
}

/** A small seeded generator, so a failing range is the same range on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("money axis", () => {
  it("tells a lakh-sized equity curve's ticks apart", () => {
    expect(moneyTicks([510_000, 505_000, 500_000, 495_000])).toEqual(["₹5.10 L", "₹5.05 L", "₹5.00 L", "₹4.95 L"]);
    expect(moneyTicks([510_000, 500_000, 490_000])).toEqual(["₹5.1 L", "₹5.0 L", "₹4.9 L"]);
    expect(moneyTicks([1_300_000, 1_200_000, 1_100_000, 1_000_000])).toEqual(["₹13 L", "₹12 L", "₹11 L", "₹10 L"]);
  });
  it("writes a payoff below a lakh in rupees, zero as ₹0", () => {
    expect(moneyTicks([8_000, 6_000, 4_000, 2_000, 0, -2_000])).toEqual(["₹8,000", "₹6,000", "₹4,000", "₹2,000", "₹0", "-₹2,000"]);
    expect(moneyTicks([1_000, 500, 0, -500])).toEqual(["₹1,000", "₹500", "₹0", "-₹500"]);
  });
  it("speaks crore once the largest tick does", () => {
    expect(moneyTicks([30_000_000, 25_000_000, 20_000_000])).toEqual(["₹3.0 Cr", "₹2.5 Cr", "₹2.0 Cr"]);
    expect(moneyTicks([10_000_000, 5_000_000, 0])).toEqual(["₹1.0 Cr", "₹0.5 Cr", "₹0"]);
  });
  it("keeps paise where the ticks have them", () => {
    expect(moneyTicks([12.15, 12.1, 12.05])).toEqual(["₹12.15", "₹12.10", "₹12.05"]);
  });
  it("tells apart ticks no round step produced", () => {
    const labels = moneyTicks([1_234_567.891, 1_234_123.4]);
    expect(new Set(labels).size).toBe(2);
  });

  // ranges a trader meets: a small payoff, an equity curve that barely moved, a crore book,
  // losses, a curve crossing zero; then a thousand ranges drawn at random over ₹10 to ₹100 Cr
  const table: [number, number][] = [
    [-1_060, 8_600], [-50_000, 2_00_000], [4_90_000, 5_10_000], [4_98_000, 5_02_000],
    [9_60_000, 13_00_000], [99_000, 1_01_000], [1_00_00_000, 1_02_00_000], [-3_00_000, -2_00_000],
    [0, 150], [27_200, 28_300], [12.05, 12.4], [-1, 1],
  ];
  it.each(table)("labels ticks from %d to %d distinctly in one unit", (low, high) => {
    for (const count of [3, 5, 8]) {
      const ticks = niceTicks(low, high, count);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expectReadable(ticks, moneyTicks(ticks));
    }
  });
  it("labels a thousand random ranges distinctly in one unit", () => {
    const next = random(53);
    for (let i = 0; i < 1_000; i++) {
      const magnitude = 10 ** (1 + next() * 8); // ₹10 to ₹100 Cr
      const low = (next() - 0.3) * magnitude;
      const high = low + magnitude * (0.001 + next());
      const ticks = niceTicks(low, high, 2 + Math.floor(next() * 8));
      expectReadable(ticks, moneyTicks(ticks));
    }
  });
});

describe("percent axis", () => {
  it("gives the places the ticks need", () => {
    expect(percentTicks([0, -5, -10, -15])).toEqual(["0%", "-5%", "-10%", "-15%"]);
    expect(percentTicks([0, -2.5, -5])).toEqual(["0.0%", "-2.5%", "-5.0%"]);
    expect(percentTicks([1.25, 1, 0.75])).toEqual(["1.25%", "1.00%", "0.75%"]);
  });
  it("labels random ranges distinctly", () => {
    const next = random(7);
    for (let i = 0; i < 500; i++) {
      const low = -next() * 60;
      const ticks = niceTicks(low, low + 0.05 + next() * 60, 3 + Math.floor(next() * 6));
      expectReadable(ticks, percentTicks(ticks));
    }
  });
});

describe("plain axis", () => {
  it("tells an index rebased to 100 apart", () => {
    expect(plainTicks([101, 100.5, 100, 99.5])).toEqual(["101.0", "100.5", "100.0", "99.5"]);
    expect(plainTicks([120, 110, 100])).toEqual(["120", "110", "100"]);
  });
});

describe("round ticks", () => {
  it("steps by 1, 2, 2.5 or 5 × 10ⁿ, from the top down, with zero when the range holds it", () => {
    expect(niceTicks(-1_060, 8_600, 5)).toEqual([7_500, 5_000, 2_500, 0]);
    expect(niceTicks(27_200, 28_300, 3)).toEqual([28_000, 27_500]); // never a single tick
    expect(niceTicks(4_93_000, 5_08_000, 4)).toEqual([5_05_000, 5_00_000, 4_95_000]);
    expect(niceTicks(0, 1, 5)).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });
  it("keeps every tick inside the range", () => {
    const next = random(11);
    for (let i = 0; i < 500; i++) {
      const low = (next() - 0.5) * 10 ** (next() * 9);
      const high = low + 10 ** (next() * 9);
      const ticks = niceTicks(low, high, 5);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(low - Math.abs(low) * 1e-9);
        expect(t).toBeLessThanOrEqual(high + Math.abs(high) * 1e-9);
      }
      if (low <= 0 && high >= 0) expect(ticks).toContain(0);
    }
  });
});
