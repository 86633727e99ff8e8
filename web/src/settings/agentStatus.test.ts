import { describe, expect, it } from "vitest";
import { agentHealth, lastSeen, sinceText } from "./agentStatus";

const state = {
  key_id: 1,
  key_name: "laptop",
  key_active: true,
  last_poll_at: "2025-06-02T04:00:00Z",
  seconds_since_poll: 12,
  version: "0.5.2",
  health: "cloud=ok broker=ok",
  poll_interval: 30,
  stale: false,
  warning: null,
  outdated: false,
};

describe("agentHealth", () => {
  it("names the latest agent's state", () => {
    expect(agentHealth([])).toBe("none");
    expect(agentHealth([state])).toBe("ok");
    expect(agentHealth([{ ...state, stale: true, warning: "quiet" }])).toBe("stale");
    expect(agentHealth([{ ...state, key_active: false }, state])).toBe("revoked");
  });
});

describe("sinceText", () => {
  it("reads like a person would say it", () => {
    expect(sinceText(12)).toBe("12 s ago");
    expect(sinceText(61)).toBe("1 min ago");
    expect(sinceText(7200)).toBe("2 h ago");
    expect(sinceText(86400)).toBe("1 day ago");
    expect(sinceText(3 * 86400)).toBe("3 days ago");
  });
});

describe("lastSeen", () => {
  it("says when the latest agent polled, in IST, or that none has", () => {
    expect(lastSeen([])).toBe("No agent has connected yet");
    expect(lastSeen([{ ...state, seconds_since_poll: 125 }])).toBe("Agent last seen 2 min ago (02 Jun 2025, 09:30:00 IST)");
    expect(lastSeen([{ ...state, stale: true }])).toBe("Agent last seen 12 s ago (02 Jun 2025, 09:30:00 IST); it is not polling");
    expect(lastSeen([{ ...state, key_active: false }])).toContain("; its key is revoked");
  });
});
