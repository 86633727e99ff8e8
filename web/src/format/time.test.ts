import { describe, expect, it } from "vitest";
import { istDate, istDateTime, istTime } from "./time";

describe("IST formatting", () => {
  it("shows UTC instants in IST (+05:30)", () => {
    expect(istDateTime("2026-11-23T03:45:00Z")).toBe("23 Nov 2026, 09:15:00 IST");
    expect(istTime("2026-11-23T09:59:59+00:00")).toBe("15:29:59");
  });
  it("crosses midnight into the IST day", () => {
    expect(istDate("2026-11-23T19:00:00Z")).toBe("24 Nov 2026");
    expect(istTime("2026-11-23T18:30:00Z")).toBe("00:00:00");
  });
  it("keeps a plain market date as that day", () => {
    expect(istDate("2026-11-23")).toBe("23 Nov 2026");
  });
  it("dashes what is missing or unreadable", () => {
    expect(istDateTime(null)).toBe("—");
    expect(istDate("not a date")).toBe("—");
  });
});
