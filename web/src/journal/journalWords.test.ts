import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/errors";
import {
  acquiredName,
  transferredName,
  accountName,
  benchmarkLines,
  periodName,
  ratio,
  bucketLabel,
  dateRange,
  dimensionName,
  financialYears,
  fractionPct,
  fyOf,
  fyRange,
  gainsName,
  guessKind,
  inNaturalOrder,
  istToday,
  problem,
  reportLine,
  riskReward,
  tripType,
} from "./journalWords";

describe("financial years", () => {
  it("turn on 1 April", () => {
    expect(fyOf("2024-03-31")).toBe("2023-24");
    expect(fyOf("2024-04-01")).toBe("2024-25");
    expect(fyOf("2025-03-31")).toBe("2024-25");
    expect(fyOf("1999-12-31")).toBe("1999-00");
  });

  it("lists the years with closed trips, newest first, once each; this year when none", () => {
    expect(financialYears(["2024-04-10", "2023-05-01", "2024-09-02", "2025-03-31"], "2026-11-24")).toEqual([
      "2024-25",
      "2023-24",
    ]);
    expect(financialYears([], "2026-11-24")).toEqual(["2026-27"]);
    expect(financialYears([], "2027-01-05")).toEqual(["2026-27"]);
  });

  it("says its range in words", () => {
    expect(fyRange("2024-25")).toBe("1 April 2024 to 31 March 2025");
  });

  it("takes today in India, not in the browser's zone", () => {
    // 20:00 UTC on 31 March is already 1 April in IST: the new year has begun
    expect(istToday(new Date("2025-03-31T20:00:00Z"))).toBe("2025-04-01");
    expect(fyOf(istToday(new Date("2025-03-31T20:00:00Z")))).toBe("2025-26");
  });
});

describe("rates and ratios", () => {
  it("shows a fraction as a percentage without trailing zeros", () => {
    expect(fractionPct("0.125")).toBe("12.5%");
    expect(fractionPct("0.2")).toBe("20%");
    expect(fractionPct("0.6250", 1)).toBe("62.5%");
    expect(fractionPct("0.3333", 1)).toBe("33.3%");
    expect(fractionPct("0")).toBe("0%");
    expect(fractionPct(null)).toBe("—");
    expect(fractionPct("n/a")).toBe("—");
  });

  it("reads risk-reward as a ratio, none without a loser", () => {
    expect(riskReward("1.85")).toBe("1.85 : 1");
    expect(riskReward(null)).toBe("—");
  });

  it("names the gains by their section", () => {
    expect(gainsName("stcg")).toBe("Short-term capital gains (s.111A)");
    expect(gainsName("ltcg")).toBe("Long-term capital gains (s.112A)");
  });
});

describe("patterns", () => {
  it("orders buckets as a trader reads them, cross pairs by their first part", () => {
    const labels = (xs: string[]) => inNaturalOrder(xs.map((label) => ({ label }))).map((b) => b.label);
    expect(labels(["0-3d", "15-21d", ">30d", "4-7d", "8-14d", "22-30d"])).toEqual([
      "0-3d", "4-7d", "8-14d", "15-21d", "22-30d", ">30d",
    ]);
    expect(labels(["Fri", "Mon", "Thu", "Tue", "Wed"])).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri"]);
    expect(labels(["large", "small", "medium"])).toEqual(["small", "medium", "large"]);
    expect(labels(["4-7d × after a win", "0-3d × after a win", "0-3d × after a loss", "0-3d × first trade"])).toEqual([
      "0-3d × first trade", "0-3d × after a loss", "0-3d × after a win", "4-7d × after a win",
    ]);
    expect(labels(["zeta", "Mon", "alpha"])).toEqual(["Mon", "alpha", "zeta"]);
  });

  it("says buckets and dimensions in words", () => {
    expect(bucketLabel("0-3d")).toBe("0–3 days");
    expect(bucketLabel(">30d")).toBe("Over 30 days");
    expect(bucketLabel("small × Mon")).toBe("Small × Mon");
    expect(bucketLabel("after a loss")).toBe("After a loss");
    expect(dimensionName("holding_period")).toBe("Holding period");
    expect(dimensionName("something_new")).toBe("Something new");
  });
});

describe("uploads", () => {
  it("reports a file in one line, no-trade rows only when there are some", () => {
    expect(reportLine({ rows_read: 12, rows_added: 10, duplicates: 2, skipped: 0 })).toBe(
      "12 rows read · 10 added · 2 duplicates skipped",
    );
    expect(reportLine({ rows_read: 1, rows_added: 0, duplicates: 1, skipped: 1 })).toBe(
      "1 row read · 0 added · 1 duplicate skipped · 1 row that is no trade",
    );
    expect(reportLine({ rows_read: 20000, rows_added: 20000, duplicates: 0, skipped: 0 })).toBe(
      "20,000 rows read · 20,000 added · 0 duplicates skipped",
    );
  });

  it("guesses a dropped file's kind from its name", () => {
    expect(guessKind("tradebook-XU6206-EQ-2023-01-01-to-2023-03-31.xlsx")).toBe("tradebook");
    expect(guessKind("ledger-XU6206-2018-01-01-to-2026-04-08.xlsx")).toBe("ledger");
    expect(guessKind("CAS_01042024.PDF")).toBe("cas");
    expect(guessKind("trades.csv")).toBe("tradebook");
  });

  it("says a date range, or the half that is known", () => {
    expect(dateRange("2024-04-01", "2024-06-30")).toBe("01 Apr 2024 – 30 Jun 2024");
    expect(dateRange(null, null)).toBe("—");
    expect(dateRange("2024-04-01", null)).toBe("01 Apr 2024");
  });

  it("shows the API's messages without their field names", () => {
    const bad = new ApiError(422, {
      detail: [{ field: "files[]", loc: ["files[]"], msg: "notes.txt is not a spreadsheet (XLSX or CSV)" }],
    });
    expect(problem(bad)).toBe("notes.txt is not a spreadsheet (XLSX or CSV)");
    expect(problem(new ApiError(404, { detail: "No such upload" }))).toBe("No such upload");
  });
});

describe("round trips", () => {
  it("labels a trip intraday, F&O or delivery", () => {
    expect(tripType({ segment: "EQ", intraday: true })).toBe("Intraday");
    expect(tripType({ segment: "EQ", intraday: false })).toBe("Delivery");
    expect(tripType({ segment: "FO", intraday: true })).toBe("F&O");
  });

  it("names the paper book in words and a broker account by its code", () => {
    expect(accountName("paper")).toBe("Paper");
    expect(accountName("ZE2727")).toBe("ZE2727");
    expect(accountName("kite")).toBe("Kite");
  });
});

describe("benchmark words", () => {
  it("draws both curves from 100", () => {
    const lines = benchmarkLines([
      { day: "2024-04-01", you: "1", benchmark: "1" },
      { day: "2024-04-02", you: "1.0125", benchmark: "0.99" },
    ]);
    expect(lines.you).toEqual([{ time: "2024-04-01", value: 100 }, { time: "2024-04-02", value: 101.25 }]);
    expect(lines.benchmark.map((p) => p.value)).toEqual([100, 99]);
  });

  it("names periods and rounds ratios", () => {
    expect(["all", "1y", "3y", "5y"].map(periodName)).toEqual(["All time", "1 year", "3 years", "5 years"]);
    expect(ratio("1.23456")).toBe("1.23");
    expect(ratio(null)).toBe("—");
    expect(ratio("x")).toBe("—");
  });
});

describe("Schedule 112A's codes", () => {
  it("say the acquisition and the rate period in words", () => {
    expect(acquiredName("BE")).toBe("On or before 31 Jan 2018");
    expect(acquiredName("AE")).toBe("After 31 Jan 2018");
    expect(transferredName("BE")).toBe("Before 23 Jul 2024 (10%)");
    expect(transferredName("AE")).toBe("From 23 Jul 2024 (12.5%)");
  });
});
