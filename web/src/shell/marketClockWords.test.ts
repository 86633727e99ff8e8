import { describe, expect, it } from "vitest";
import { marketClockWords } from "./marketClockWords";

const base = {
  now: "2026-11-21T02:37:00+05:30", market_time: "2026-11-20T11:42:05+05:30", next_open: "2026-11-23T09:15:00+05:30",
  replay: false, market_time_stamps: ["orders"], real_time_stamps: ["alerts"],
};

describe("market clock words", () => {
  it("names the replayed day and both clocks", () => {
    const w = marketClockWords({ ...base, phase: "replay", replay: true, replay_of: "2026-11-20" });
    expect(w.label).toBe("Practice · Fri, 20 Nov");
    expect(w.practice).toBe("Practice session · replaying 20 Nov 2026 · 11:42:05 IST");
    expect(w.detail).toContain("20 Nov 2026, 11:42:05 IST");
    expect(w.detail).toContain("21 Nov 2026, 02:37:00 IST");
    expect(w.detail).toContain("23 Nov 2026, 09:15:00 IST");
  });
  it("says open and closed in words", () => {
    const open = marketClockWords({ ...base, phase: "open", replay_of: null, next_open: null });
    expect([open.label, open.practice]).toEqual(["Market open", null]);
    const closed = marketClockWords({ ...base, phase: "closed", replay_of: null });
    expect(closed.label).toBe("Market closed");
    expect(closed.detail).toContain("Next session opens 23 Nov 2026, 09:15:00 IST");
  });
});
