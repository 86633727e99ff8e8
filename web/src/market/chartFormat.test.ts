import { describe, expect, it } from "vitest";
import { dayOf, istToday, priceLabel } from "./chartFormat";

describe("chart labels", () => {
  it("groups prices the Indian way and uses lakh/crore for big ones", () => {
    expect(priceLabel(1520.5)).toBe("₹1,520.50");
    expect(priceLabel(125_000)).toBe("₹1.25 L");
    expect(priceLabel(32_000_000)).toBe("₹3.2 Cr");
  });
  it("reads the day of a candle and today in IST", () => {
    expect(dayOf("2024-01-05T00:00:00+05:30")).toBe("2024-01-05");
    expect(istToday(new Date("2024-01-05T19:00:00Z"))).toBe("2024-01-06");
    expect(istToday(new Date("2024-01-05T18:00:00Z"))).toBe("2024-01-05");
  });
});
