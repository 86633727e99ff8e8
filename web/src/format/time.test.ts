import { describe, expect, it } from "vitest";
import { duration, instant, istDate, istDateTime, istTime, istToday } from "./time";

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

describe("durations", () => {
  it("shows work under a second in milliseconds, not as 0.0 s", () => {
    expect(duration(0.4)).toBe("under 1 ms");
    expect(duration(38.2)).toBe("38 ms");
    expect(duration(999.4)).toBe("999 ms");
    expect(duration(999.6)).toBe("1.0 s");
  });
  it("shows seconds to a tenth, then minutes", () => {
    expect(duration(1000)).toBe("1.0 s");
    expect(duration(1449)).toBe("1.4 s");
    expect(duration(59_940)).toBe("59.9 s");
    expect(duration(59_960)).toBe("1 min 00 s");
    expect(duration(125_000)).toBe("2 min 05 s");
  });
  it("dashes what is missing or unreadable", () => {
    expect(duration(null)).toBe("—");
    expect(duration(Number.NaN)).toBe("—");
    expect(duration(-5)).toBe("—");
  });
});

describe("one reading of a time, whatever the browser's zone", () => {
  const placed = "23 Nov 2026, 09:49:01 IST";
  it("reads an ISO instant with Z as UTC", () => {
    expect(istDateTime("2026-11-23T04:19:01Z")).toBe(placed);
    expect(istTime("2026-11-23T04:19:01Z")).toBe("09:49:01");
  });
  it("reads an instant with +05:30 as that IST time, never adding the offset twice", () => {
    expect(istDateTime("2026-11-23T09:49:01+05:30")).toBe(placed);
    expect(istTime("2026-11-23T09:49:01+05:30")).toBe("09:49:01");
  });
  it("reads text without an offset (Kite's order and trade times) as IST wall-clock time", () => {
    expect(istDateTime("2026-11-23 09:49:01")).toBe(placed);
    expect(istDateTime("2026-11-23T09:49:01")).toBe(placed);
    expect(istTime("2026-11-23 15:30:00")).toBe("15:30:00");
    expect(instant("2026-11-23 09:49:01")?.toISOString()).toBe("2026-11-23T04:19:01.000Z");
  });
  it("keeps a bare IST time as it is", () => {
    expect(istTime("09:49:01")).toBe("09:49:01");
  });
  it("gives today's IST date across midnight UTC", () => {
    expect(istToday(new Date("2026-11-23T18:29:59Z"))).toBe("2026-11-23");
    expect(istToday(new Date("2026-11-23T18:30:00Z"))).toBe("2026-11-24");
  });
});
