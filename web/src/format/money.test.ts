import { describe, expect, it } from "vitest";
import { direction, inr, lakhCrore, lakhs, pct, plain, qty, signedInr } from "./money";

describe("inr", () => {
  it("groups the Indian way from an exact decimal string", () => {
    expect(inr("1013418.76")).toBe("₹10,13,418.76");
    expect(inr("123456789.5")).toBe("₹12,34,56,789.50");
    expect(inr("999")).toBe("₹999.00");
    expect(inr("1000")).toBe("₹1,000.00");
    expect(inr("100000")).toBe("₹1,00,000.00");
  });
  it("keeps paise the float would lose", () => {
    expect(inr("90071992547409.93")).toBe("₹9,00,71,99,25,47,409.93");
  });
  it("takes numbers and rounds more decimals like a contract note", () => {
    expect(inr(1013418.76)).toBe("₹10,13,418.76");
    expect(inr("10.005", 2)).toBe("₹10.01");
  });
  it("puts the minus before the rupee sign and has no negative zero", () => {
    expect(inr("-2500.5")).toBe("-₹2,500.50");
    expect(inr("-0.00")).toBe("₹0.00");
    expect(inr(-0)).toBe("₹0.00");
  });
  it("shows a dash for missing figures", () => {
    expect(inr(null)).toBe("—");
    expect(inr(undefined)).toBe("—");
    expect(inr("abc")).toBe("—");
  });
});

describe("other figures", () => {
  it("formats signed P&L, quantities and percentages", () => {
    expect(signedInr("1250")).toBe("+₹1,250.00");
    expect(signedInr("-300.5")).toBe("-₹300.50");
    expect(signedInr(0)).toBe("₹0.00");
    expect(qty(150000)).toBe("1,50,000");
    expect(pct(1.234)).toBe("1.23%");
    expect(pct("0.5", { signed: true })).toBe("+0.50%");
    expect(pct(-0.001, { signed: true })).toBe("0.00%"); // a change too small to show has no sign
    expect(pct(0.001, { signed: true })).toBe("0.00%");
    expect(plain("2500")).toBe("2,500.00");
  });
  it("abbreviates chart axes in lakh and crore", () => {
    expect(lakhCrore(12_500_000)).toBe("₹1.25 Cr");
    expect(lakhCrore(1_250_000)).toBe("₹12.5 L");
    expect(lakhCrore(100_000)).toBe("₹1 L");
    expect(lakhCrore(45_200)).toBe("₹45,200");
    expect(lakhCrore(-8_600.5)).toBe("-₹8,600.5");
    expect(lakhCrore(8_600.999)).toBe("₹8,601");
    expect(lakhCrore(-950)).toBe("-₹950");
  });
  it("gives direction only from the sign", () => {
    expect(direction("-1")).toBe("down");
    expect(direction(2)).toBe("up");
    expect(direction("0.00")).toBe("flat");
  });
});

describe("lakhs", () => {
  it("prints counts as Indian chains do: crore, lakh, else grouped", () => {
    expect(lakhs(12_500_000)).toBe("1.25 Cr");
    expect(lakhs(6_045_000)).toBe("60.45 L");
    expect(lakhs(100_000)).toBe("1 L");
    expect(lakhs(99_775)).toBe("99,775");
    expect(lakhs(0)).toBe("0");
    expect(lakhs(null)).toBe("—");
  });
  it("signs a change when asked", () => {
    expect(lakhs(325_000, { signed: true })).toBe("+3.25 L");
    expect(lakhs(-6_500, { signed: true })).toBe("-6,500");
    expect(lakhs(0, { signed: true })).toBe("0");
  });
});
