import { describe, expect, it } from "vitest";
import { indicatorName, isIndicatorName } from "./indicator";
import cases from "./names.cases.json";

describe("the names table the server's words read too", () => {
  it.each(cases.indicators.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    expect(indicatorName(c.id)).toBe(c.words);
    expect(indicatorName(c.id, { midSentence: true })).toBe(c.mid_sentence);
  });
});

describe("indicatorName", () => {
  it.each([
    ["sma20", "SMA 20"],
    ["ema50", "EMA 50"],
    ["rsi14", "RSI 14"],
    ["atr14", "ATR 14"],
    ["adx14", "ADX 14"],
    ["bb20_upper", "Bollinger upper (20, 2)"],
    ["bb20_3_lower", "Bollinger lower (20, 3)"],
    ["bb20_middle", "Bollinger middle (20)"],
    ["bb20_pctb", "Bollinger %B (20, 2)"],
    ["macd_12_26_9", "MACD (12, 26, 9)"],
    ["macd_12_26_9_signal", "MACD signal (12, 26, 9)"],
    ["macd_12_26_9_hist", "MACD histogram (12, 26, 9)"],
    ["high20", "20-day high"],
    ["low10", "10-day low"],
    ["high52w", "52-week high"],
    ["dist_sma200_pct", "% from SMA 200"],
    ["dist_high52w_pct", "% from the 52-week high"],
    ["vol_ratio20", "Volume ÷ its 20-day average"],
    ["plus_di14", "+DI 14"],
    ["stoch14_d", "Stochastic %D 14"],
    ["close", "Close"],
    ["trend_alignment", "Trend alignment"],
  ])("%s reads as %s", (name, words) => expect(indicatorName(name)).toBe(words));

  it("says a common noun in lower case inside a sentence, a name as it is", () => {
    expect(indicatorName("close", { midSentence: true })).toBe("close");
    expect(indicatorName("high20", { midSentence: true })).toBe("20-day high");
    expect(indicatorName("sma20", { midSentence: true })).toBe("SMA 20");
    expect(indicatorName("bb20_upper", { midSentence: true })).toBe("Bollinger upper (20, 2)");
  });

  it("shows a name no form knows as written, de-snaked", () => {
    expect(indicatorName("my_thing")).toBe("my thing");
    expect(isIndicatorName("my_thing")).toBe(false);
    expect(isIndicatorName("sma33")).toBe(true);
    expect(isIndicatorName("rsi")).toBe(false);
  });
});
