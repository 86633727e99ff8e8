import { describe, expect, it } from "vitest";
import { nameWords, universeName, words } from "./words";

describe("words", () => {
  it("says statuses and reasons as words", () => {
    expect(words("pending_approval")).toBe("Pending approval");
    expect(words("TRIGGER PENDING")).toBe("Trigger pending");
    expect(words("kill_switch")).toBe("Kill switch");
    expect(words("active")).toBe("Active");
    expect(words("")).toBe("");
  });
  it("writes indicators in a rule's or a reason's name as traders do", () => {
    expect(words("rsi_overbought")).toBe("RSI overbought");
    expect(words("sma20_cross")).toBe("SMA 20 cross");
    expect(words("close_below_ema")).toBe("Close below EMA");
    expect(words("RSI_OVERBOUGHT")).toBe("RSI overbought");
    expect(words("robust_exit")).toBe("Robust exit"); // a word that starts like one is left alone
  });
  it("keeps a name's own capitals and never reads it as a known status", () => {
    expect(nameWords("TP_hit")).toBe("TP hit");
    expect(nameWords("EOD")).toBe("EOD");
    expect(nameWords("warn")).toBe("Warn");
    expect(nameWords("stop-loss_hit")).toBe("Stop-loss hit");
    expect(words("stop-loss_hit")).toBe("Stop loss hit");
    expect(nameWords("rsi_overbought")).toBe("RSI overbought");
  });
  it("names universes as NSE writes them", () => {
    expect(universeName("nifty_100")).toBe("NIFTY 100");
    expect(universeName("nifty_next_50")).toBe("NIFTY Next 50");
    expect(universeName("nifty_midcap_150")).toBe("NIFTY Midcap 150");
    expect(universeName("my_watchlist")).toBe("My watchlist");
    expect(universeName(["NSE:A", "NSE:B", "NSE:C"])).toBe("3 symbols");
    expect(universeName(["NSE:RELIANCE"])).toBe("RELIANCE");
  });
});
