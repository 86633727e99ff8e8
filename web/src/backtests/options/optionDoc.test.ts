import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/errors";
import { applyPreset, builderErrors, builderKey, initialOptions, legDocument, newLeg, type PresetName, PRESETS, toRequest } from "./optionDoc";

const strikes = (name: PresetName) => toRequest(applyPreset(initialOptions, name)).strategy.legs.map((l) => [l.side, l.option_type, l.strike]);

describe("presets", () => {
  it("a short straddle sells the ATM CE and PE with 30 % stops and one re-entry", () => {
    const body = toRequest(applyPreset(initialOptions, "short_straddle"));
    expect(body).toMatchObject({ start_date: "2025-02-03", end_date: "2025-03-28", data: "synthetic", seed: 7 });
    expect(body.strategy).toMatchObject({ underlying: "NIFTY", resolution: "daily", hold: "expiry", capital: 500000, charges: "zerodha", slippage: { unit: "points", value: 0.5 } });
    expect(body.strategy.legs).toEqual((["CE", "PE"] as const).map((t) => ({
      option_type: t, side: "sell", lots: 1, expiry: { kind: "weekly", nth: 0 }, strike: { type: "atm", offset: 0 },
      stop_loss: { unit: "pct", value: 30 }, reentry: { times: 1, strike: "reselect" },
    })));
  });

  it("a strangle sells two strikes out each side; an iron condor buys its wings two further", () => {
    expect(strikes("short_strangle")).toEqual([
      ["sell", "CE", { type: "atm", offset: 2 }],
      ["sell", "PE", { type: "atm", offset: -2 }],
    ]);
    expect(strikes("iron_condor")).toEqual([
      ["sell", "CE", { type: "atm", offset: 2 }],
      ["buy", "CE", { type: "atm", offset: 4 }],
      ["sell", "PE", { type: "atm", offset: -2 }],
      ["buy", "PE", { type: "atm", offset: -4 }],
    ]);
  });

  it("every preset's document keeps the schema's own rules: 1 to 10 legs, a stop under any re-entry or trail, in-range offsets", () => {
    for (const { name } of PRESETS) {
      const legs = toRequest(applyPreset(initialOptions, name)).strategy.legs;
      expect(legs.length).toBeGreaterThanOrEqual(1);
      expect(legs.length).toBeLessThanOrEqual(10);
      for (const leg of legs) {
        if (leg.reentry?.times || leg.trailing) expect(leg.stop_loss).toBeDefined();
        if (leg.strike?.type === "atm") expect(Math.abs(leg.strike.offset ?? 0)).toBeLessThanOrEqual(40);
        expect(Number.isInteger(leg.lots)).toBe(true);
      }
      // React's keys never reach the API
      expect(JSON.stringify(legs)).not.toContain("key");
    }
  });
});

describe("a leg's document", () => {
  it("says each strike mode as the schema's tagged union", () => {
    expect(legDocument(newLeg({ strike_mode: "delta", strike_value: "0.3" })).strike).toEqual({ type: "delta", delta: 0.3 });
    expect(legDocument(newLeg({ strike_mode: "premium_gte", strike_value: "1,00" })).strike).toEqual({ type: "premium_gte", premium: 100 });
    expect(legDocument(newLeg({ strike_mode: "spot_pct", strike_value: "-1.5" })).strike).toEqual({ type: "spot_pct", pct: -1.5 });
    expect(legDocument(newLeg({ strike_mode: "atm", strike_value: "" })).strike).toEqual({ type: "atm", offset: 0 });
  });

  it("trails and breaks even in the stop-loss's unit, and leaves off what is blank", () => {
    const doc = legDocument(newLeg({ expiry: "monthly:1", sl_unit: "rupees", sl_value: "2,000", trail_every: "500", trail_by: "250", break_even_at: "1000" }));
    expect(doc.expiry).toEqual({ kind: "monthly", nth: 1 });
    expect(doc.stop_loss).toEqual({ unit: "rupees", value: 2000 });
    expect(doc.trailing).toEqual({ every: { unit: "rupees", value: 500 }, by: { unit: "rupees", value: 250 } });
    expect(doc.break_even_at).toEqual({ unit: "rupees", value: 1000 });
    expect(doc).not.toHaveProperty("target");
    expect(doc).not.toHaveProperty("reentry");
  });

  it("passes text that is not a number to the API, to be refused by name", () => {
    expect(legDocument(newLeg({ lots: "two" })).lots).toBe("two");
  });

  it("makes a futures leg: the nth monthly future, no strike", () => {
    const doc = legDocument(newLeg({ option_type: "FUT", side: "buy", expiry: "weekly:0", strike_value: "3" }));
    expect(doc).toEqual({ option_type: "FUT", side: "buy", lots: 1, expiry: { kind: "monthly", nth: 0 } });
  });

  it("sends a profit lock, and its trail only when given", () => {
    const base = { ...initialOptions, legs: [newLeg()] };
    expect(toRequest({ ...base, lock_reach: "3,000", lock_at: "1000" }).strategy.exit?.lock_profit).toEqual({ reach: 3000, lock: 1000 });
    expect(toRequest({ ...base, lock_reach: "3000", lock_at: "1000", lock_every: "500", lock_by: "300" }).strategy.exit?.lock_profit)
      .toEqual({ reach: 3000, lock: 1000, every: 500, by: 300 });
    expect(toRequest(base).strategy.exit?.lock_profit).toBeUndefined();
    expect(builderKey("strategy.exit.lock_profit.lock")).toBe("exit.lock_profit");
  });
});

describe("the API's 422 on the builder's field", () => {
  it.each([
    ["strategy.legs[0].strike.offset", "legs.0.strike"],
    ["strategy.legs[1].strike.delta", "legs.1.strike"],
    ["strategy.legs[2].stop_loss.value", "legs.2.stop_loss"],
    ["strategy.legs[0].trailing.every.value", "legs.0.trailing"],
    ["strategy.legs[3].reentry.times", "legs.3.reentry"],
    ["strategy.legs[0]", "legs.0"],
    ["strategy.legs", "legs"],
    ["strategy.exit.stop_loss.value", "exit.stop_loss"],
    ["strategy.exit", "exit"],
    ["strategy.entry.days_to_expiry[0]", "entry.days_to_expiry"],
    ["strategy.slippage.value", "slippage.value"],
    ["strategy.underlying", "underlying"],
    ["strategy", "document"],
    ["end_date", "end_date"],
    ["seed", "seed"],
  ])("%s → %s", (field, key) => {
    expect(builderKey(field)).toBe(key);
  });

  it("reads the API's detail as it answers it (the loc carries body and the union's tag)", () => {
    const err = new ApiError(422, { detail: [
      { type: "less_than", loc: ["body", "strategy", "legs", 0, "strike", "delta", "delta"], msg: "Input should be less than 1",
        field: "strategy.legs[0].strike.delta", message: "Strategy, leg 1, strike, delta: must be less than 1" },
      { type: "value_error", loc: ["body", "strategy", "legs", 1], msg: "Value error, a trailing stop moves the stop-loss: set stop_loss too",
        field: "strategy.legs[1]", message: "Strategy, leg 2: a trailing stop moves the stop-loss: set stop_loss too" },
    ] });
    expect(builderErrors(err.fields)).toEqual({
      "legs.0.strike": "Must be less than 1",
      "legs.1": "a trailing stop moves the stop-loss: set stop_loss too",
    });
  });
});

describe("minute entries", () => {
  const minute = { ...applyPreset(initialOptions, "short_straddle"), resolution: "minute" as const, hold: "intraday" as const };

  it("a daily run sends no entry time or wait, whatever the minute fields hold", () => {
    const body = toRequest({ ...applyPreset(initialOptions, "short_straddle"), entry_wait: "momentum" });
    expect(body.strategy.resolution).toBe("daily");
    expect(body.strategy.entry).toEqual({ weekdays: ["mon", "tue", "wed", "thu", "fri"] });
    expect(body.strategy.exit).toEqual({ move_sl_to_cost: false });
  });

  it("a minute run enters at its time and exits at its own", () => {
    const body = toRequest({ ...minute, entry_time: "09:45", exit_time: "15:00" });
    expect(body.strategy).toMatchObject({ resolution: "minute", hold: "intraday" });
    expect(body.strategy.entry).toEqual({ weekdays: ["mon", "tue", "wed", "thu", "fri"], time: "09:45" });
    expect(body.strategy.exit).toEqual({ move_sl_to_cost: false, time: "15:00" });
  });

  it("a range breakout waits for the first minutes' high or low to break", () => {
    const body = toRequest({ ...minute, entry_wait: "range_breakout", range_minutes: "30", range_breaks: "low" });
    expect(body.strategy.entry?.range_breakout).toEqual({ minutes: 30, breaks: "low" });
    expect(body.strategy.entry?.momentum).toBeUndefined();
  });

  it("a momentum entry waits for the underlying's or the premium's move", () => {
    const body = toRequest({ ...minute, entry_wait: "momentum", momentum_on: "premium", momentum_move: "down", momentum_unit: "points", momentum_value: "12.5" });
    expect(body.strategy.entry?.momentum).toEqual({ on: "premium", move: "down", unit: "points", value: 12.5 });
    expect(body.strategy.entry?.range_breakout).toBeUndefined();
  });

  it("the API's errors on the waits land on their fields", () => {
    expect(builderKey("strategy.entry.range_breakout.minutes")).toBe("entry.range_breakout");
    expect(builderKey("strategy.entry.momentum.value")).toBe("entry.momentum");
    expect(builderKey("strategy.entry.time")).toBe("entry.time");
  });
});
