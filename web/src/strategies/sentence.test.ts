import { describe, expect, it } from "vitest";
import { condition, strategySentences } from "./sentence";
import templates from "./fixtures/templates.json";

const byModel = (key: string) => templates.find((t) => t.base_model === key) as Record<string, unknown>;

describe("conditions", () => {
  it("reads the issue's example, crosses and arithmetic", () => {
    const rule = {
      type: "and",
      conditions: [
        { type: "crosses_above", left: { type: "indicator", name: "rsi14" }, right: { type: "literal", value: 60 } },
        {
          type: "compare",
          left: { type: "indicator", name: "close" },
          op: ">",
          right: { type: "mul", left: { type: "indicator", name: "sma20" }, right: { type: "literal", value: 1.02 } },
        },
      ],
    };
    expect(condition(rule)).toBe("RSI 14 crosses above 60 and close > SMA 20 × 1.02");
  });

  it("brackets an or inside an and, and a not", () => {
    const rsi = (op: string, v: number) => ({ type: "compare", left: { type: "indicator", name: "rsi14" }, op, right: { type: "literal", value: v } });
    const rule = { type: "and", conditions: [{ type: "or", conditions: [rsi("<", 30), rsi(">", 70)] }, { type: "not", condition: rsi("==", 50) }] };
    expect(condition(rule)).toBe("(RSI 14 < 30 or RSI 14 > 70) and not (RSI 14 is 50)");
  });
});

describe("templates as sentences", () => {
  it("V1 Momentum", () => {
    expect(strategySentences(byModel("v1_momentum"))).toEqual([
      "Buy when close > SMA 20 and RSI 14 ≤ 70.",
      "Sell when RSI 14 > 70 — “RSI overbought”.",
      "Otherwise sell when close < SMA 20 and days held > 2 — “SMA 20 cross”.",
      "Hold at least 10 days.",
    ]);
  });

  it("V2's lagged high, V3's add-on and override, V4's trailing stop and category label", () => {
    expect(strategySentences(byModel("v2_breakout"))[0]).toBe(
      "Buy when close > 20-day high a day ago and volume ÷ its 20-day average ≥ 1.5 and close > SMA 50.",
    );
    const v3 = strategySentences(byModel("v3_dip_buyer"));
    expect(v3[1]).toBe("Sell when unrealised P&L % ≥ 8 (even within the minimum hold) — “Take profit”.");
    expect(v3[3]).toBe("Add up to 1 time(s), 100% of the first size, when unrealised P&L % ≤ -4 and RSI 14 < 25, at least 3 day(s) apart.");
    expect(v3[4]).toBe("Hold at least 2 days; at most 20 days; stop at 2.5 × ATR below entry.");
    const v4 = strategySentences(byModel("v4_trend_rider"));
    expect(v4[0]).toBe(
      "Buy when trend alignment is fully aligned and MACD (12, 26, 9) crosses above MACD signal (12, 26, 9) and ADX 14 > 20.",
    );
    expect(v4[1]).toBe("Sell when close < highest close since entry × 0.9 — “Trailing stop”.");
  });
});
