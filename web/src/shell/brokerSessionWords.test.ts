import { describe, expect, it } from "vitest";
import { sessionEnded, sessionUntil } from "./brokerSessionWords";

describe("broker session words", () => {
  it("say when a live session dies, in IST", () => {
    const kite = { broker: "kite", status: "connected", access_token_expires_at: "2026-11-21T00:30:00Z" };
    expect(sessionUntil(kite)).toBe("Kite session until 21 Nov 2026, 06:00:00 IST");
    expect(sessionUntil({ ...kite, access_token_expires_at: null })).toBeNull();
  });
  it("say why a session ended", () => {
    expect(sessionEnded({ broker: "kite", status: "logged_out" })).toBe("Kite logged you out");
    expect(sessionEnded({ broker: "upstox", status: "expired" })).toBe("Upstox session expired");
    expect(sessionEnded({ broker: "groww", status: "not_configured" })).toBe("Groww session not configured");
  });
});
