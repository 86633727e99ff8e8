import { describe, expect, it } from "vitest";
import { expiryLine, importedLine, monthName } from "./FoBhavcopyCard";

const nifty = {
  underlying: "NIFTY",
  days: 3,
  first: "2024-07-09",
  last: "2024-07-16",
  months: [{ month: "2024-07", days: 3 }],
  expiries: ["2024-07-11", "2024-07-18", "2024-07-25", "2024-08-01", "2024-08-08", "2024-08-29"],
  rows: 900,
};

describe("F&O bhavcopy words", () => {
  it("names a month", () => {
    expect(monthName("2024-07")).toBe("Jul 2024");
  });

  it("says what a file stored, in Indian grouping", () => {
    const line = importedLine({
      filename: "f.zip", files: 2, days: ["2024-07-09", "2024-07-10"], underlyings: ["NIFTY", "RELIANCE"],
      rows: 123456, replaced_days: 2, skipped: 0, formats: { udiff: 2 },
    });
    expect(line).toContain("2 days");
    expect(line).toContain("2 underlyings, 1,23,456 contracts; 2 underlying-days replaced");
  });

  it("shows the expiries still to come after the last day held, then how many more", () => {
    const line = expiryLine(nifty, 2);
    expect(line).toMatch(/18.*Jul.*2024, 25.*Jul.*2024 \(\+4 more\)/);
  });
});
