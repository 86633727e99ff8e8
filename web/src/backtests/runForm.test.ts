import { describe, expect, it } from "vitest";
import { CUSTOM, deployFromRun, fromRunConfig, initialRun, parseSymbols, toRunBody } from "./runForm";
import { universeName, settingsLine } from "./words";

describe("run form", () => {
  it("makes seed 001's request", () => {
    const body = toRunBody({
      ...initialRun, strategy_id: "42", starting_capital: "1,00,00,000", max_positions: "20", max_per_sector: "2",
    });
    expect(body).toEqual({
      strategy_id: 42, universe: "nifty_100", start_date: "2020-01-01", end_date: "2026-01-01",
      starting_capital: 10000000, position_size_pct: 10, max_positions: 20, max_per_sector: 2, slippage_bps: 5,
      fill_at: "next_open", charges: "zerodha",
    });
  });

  it("sends a custom symbol list and a flat commission; leaves bad text for the API to name", () => {
    const body = toRunBody({ ...initialRun, strategy_id: "1", universe: CUSTOM, symbols: "reliance, INFY\nNSE:TCS infy", charges: "flat", flat_pct: "0.05", slippage_bps: "lots" });
    expect(body.universe).toEqual(["RELIANCE", "INFY", "NSE:TCS"]);
    expect(body.charges).toEqual({ flat_pct: 0.05 });
    expect(body.slippage_bps).toBe("lots");
    expect("max_per_sector" in body).toBe(false);
  });

  it("sends an intraday interval and a product only when chosen, and reads them back", () => {
    const body = toRunBody({ ...initialRun, strategy_id: "3", interval: "5minute", product: "MIS" });
    expect(body).toMatchObject({ interval: "5minute", product: "MIS" });
    expect("interval" in toRunBody({ ...initialRun, strategy_id: "3" })).toBe(false);
    expect("product" in toRunBody({ ...initialRun, strategy_id: "3" })).toBe(false);
    expect(fromRunConfig({ interval: "5minute", product: "MIS" }, 3)).toMatchObject({ interval: "5minute", product: "MIS" });
    expect(fromRunConfig({ interval: "weekly" }, 3)).toMatchObject({ interval: "day", product: "" });
  });

  it("parses symbols without repeats", () => expect(parseSymbols(" a,b ;; A\n")).toEqual(["A", "B"]));

  it("a stored config refills the form and makes the same request again", () => {
    const config = { universe: ["RELIANCE", "INFY"], start_date: "2023-01-01", end_date: "2025-12-31", starting_capital: 500000, position_size_pct: 20, max_positions: 5, max_per_sector: null, slippage_bps: 10, fill_at: "close", charges: { flat_pct: 0.1 } };
    const values = fromRunConfig(config, 7);
    expect(values).toMatchObject({ universe: CUSTOM, symbols: "RELIANCE, INFY", charges: "flat", flat_pct: "0.1", fill_at: "close" });
    const { max_per_sector: _none, ...rest } = config;
    expect(toRunBody(values)).toEqual({ strategy_id: 7, ...rest });
  });

  it("carries a run's settings to a paper portfolio", () => {
    const deploy = deployFromRun({ universe: "nifty_50", starting_capital: 250000, position_size_pct: 20, max_positions: 5, max_per_sector: 2, slippage_bps: 5, fill_at: "next_open" }, 9, "V1 fork");
    expect(deploy).toMatchObject({ strategy_id: "9", name: "V1 fork", universe: "nifty_50", starting_capital: "250000", position_size_pct: "20", max_positions: "5", max_per_sector: "2", paper_fill: "next_open", paper_mode: true });
  });
});

describe("run words", () => {
  it("names universes", () => {
    expect(universeName("nifty_100")).toBe("NIFTY 100");
    expect(universeName("nifty_next_50")).toBe("NIFTY Next 50");
    expect(universeName(["A", "B", "C"])).toBe("3 symbols");
  });
  it("reads settings in one line with Indian grouping", () => {
    expect(settingsLine({ universe: "nifty_50", start_date: "2023-01-01", end_date: "2025-12-31", starting_capital: 10000000, position_size_pct: 10, max_positions: 20, max_per_sector: 2, slippage_bps: 5, fill_at: "next_open", charges: "zerodha" }))
      .toBe("NIFTY 50 · 2023-01-01 to 2025-12-31 · ₹1,00,00,000 · 10% a position, up to 20 · 2 a sector · 5 bps slippage · fills at the next open · Zerodha charges");
  });
});
