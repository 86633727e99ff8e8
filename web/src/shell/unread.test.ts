import { describe, expect, it } from "vitest";
import { markSeen, seenId, unreadCount } from "./unread";
import { dailyLossLimit, type RiskState } from "./deskApi";

function memory() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

describe("unread notifications", () => {
  it("counts what is newer than the newest seen, and never moves the mark back", () => {
    const store = memory();
    expect(seenId(store)).toBe(0);
    expect(unreadCount([48, 47, 46], seenId(store))).toBe(3);
    markSeen([48, 47, 46], store);
    expect(unreadCount([50, 49, 48], seenId(store))).toBe(2);
    markSeen([12], store);
    expect(seenId(store)).toBe(48);
  });
});

describe("daily loss limit", () => {
  const rule = (type: string, limit: string | null) => ({ type, limit }) as RiskState["rules"][number];
  it("is the tightest daily-loss rule's limit, else none", () => {
    const state = { rules: [rule("max_exposure", "900000"), rule("daily_loss_limit", "25000"), rule("daily_loss_limit", "10000")] } as RiskState;
    expect(dailyLossLimit(state)).toBe("10000");
    expect(dailyLossLimit({ rules: [rule("max_exposure", "1")] } as RiskState)).toBeNull();
    expect(dailyLossLimit(undefined)).toBeNull();
  });
});
