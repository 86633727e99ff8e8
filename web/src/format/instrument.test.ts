import { describe, expect, it } from "vitest";
import { derivativeTerms, instrumentLabel, instrumentName, instrumentParts } from "./instrument";
import cases from "./names.cases.json";

describe("the names table the server's formatter reads too", () => {
  it.each(cases.instruments.map((c) => [c.symbol, c] as const))("%s", (_symbol, c) => {
    expect(instrumentName(c.symbol, c.exchange)).toBe(c.name);
    expect(instrumentLabel(c.symbol, c.exchange)).toBe(c.label);
  });
});

describe("instrumentName", () => {
  it("says a weekly option with its day, as Kite does", () => {
    expect(instrumentName("NIFTY26D0128200CE")).toBe("NIFTY 1 Dec 28200 CE");
    expect(instrumentName("NFO:NIFTY2610624500PE")).toBe("NIFTY 6 Jan 24500 PE");
    expect(instrumentName("NIFTY26O1325000CE", "NFO")).toBe("NIFTY 13 Oct 25000 CE");
    expect(instrumentName("BFO:SENSEX26N0381000CE")).toBe("SENSEX 3 Nov 81000 CE");
  });
  it("says a monthly option by its month (its symbol names no day)", () => {
    expect(instrumentName("NFO:NIFTY26JAN28200CE")).toBe("NIFTY Jan 28200 CE");
    expect(instrumentName("BANKNIFTY26FEB52000PE", "NFO")).toBe("BANKNIFTY Feb 52000 PE");
    expect(instrumentName("NFO:RELIANCE26MAR1312.5CE")).toBe("RELIANCE Mar 1312.5 CE");
  });
  it("keeps an underlying that ends in digits whole", () => {
    expect(instrumentName("NFO:NIFTYNXT5026JAN70000CE")).toBe("NIFTYNXT50 Jan 70000 CE");
    expect(instrumentName("BFO:SENSEX502611481000CE")).toBe("SENSEX50 14 Jan 81000 CE");
  });
  it("says a future as underlying, month, FUT", () => {
    expect(instrumentName("NFO:NIFTY26JANFUT")).toBe("NIFTY Jan FUT");
    expect(instrumentName("BANKNIFTY26DECFUT")).toBe("BANKNIFTY Dec FUT");
  });
  it("leaves equities and indices as their symbols, without the exchange", () => {
    expect(instrumentName("NSE:RELIANCE")).toBe("RELIANCE");
    expect(instrumentName("RELIANCE", "NSE")).toBe("RELIANCE");
    expect(instrumentName("BSE:M&M")).toBe("M&M");
    expect(instrumentName("NSE:NIFTY 50")).toBe("NIFTY 50");
    expect(instrumentName("NSE:NIFTY BANK")).toBe("NIFTY BANK");
    expect(instrumentName("NSE:BAJAJ-AUTO")).toBe("BAJAJ-AUTO");
    expect(instrumentName("")).toBe("");
    expect(instrumentName(null)).toBe("");
  });
  it("never reads a cash symbol as a derivative", () => {
    expect(instrumentName("NSE:ABC26JANFUT")).toBe("ABC26JANFUT");
    expect(derivativeTerms("NIFTYBEES")).toBeNull();
    expect(derivativeTerms("NIFTY26D3228200CE")).toBeNull(); // no 32 December
    expect(derivativeTerms("NIFTY26B0128200CE")).toBeNull(); // no month B
  });
});

describe("derivativeTerms", () => {
  it("reads expiry, strike and type", () => {
    expect(derivativeTerms("NIFTY26D0128200CE")).toEqual({ underlying: "NIFTY", year: 2026, month: 12, day: 1, strike: "28200", type: "CE" });
    expect(derivativeTerms("NIFTY26NOV25000PE")).toEqual({ underlying: "NIFTY", year: 2026, month: 11, day: null, strike: "25000", type: "PE" });
    expect(derivativeTerms("NIFTY27JANFUT")).toEqual({ underlying: "NIFTY", year: 2027, month: 1, day: null, strike: null, type: "FUT" });
  });
});

// Kite's encoding (as domain/option_listing.py writes it), to read back every day of five years.
function kiteSymbol(underlying: string, day: Date, strike: number, type: "CE" | "PE", monthly: boolean): string {
  const yy = String(day.getUTCFullYear() % 100).padStart(2, "0");
  const when = monthly
    ? ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][day.getUTCMonth()]
    : `${"123456789OND"[day.getUTCMonth()]}${String(day.getUTCDate()).padStart(2, "0")}`;
  return `${underlying}${yy}${when}${strike}${type}`;
}

describe("a symbol Kite writes reads back to its terms", () => {
  it("for every day of 2026-2030, underlyings with and without digits, strikes of any size", () => {
    const underlyings = ["NIFTY", "BANKNIFTY", "NIFTYNXT50", "SENSEX50", "M&M", "BAJAJ-AUTO"];
    const strikes = [1, 50, 905, 1312, 28200, 81000, 120500];
    let checked = 0;
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2031, 0, 1); t += 86_400_000) {
      const day = new Date(t);
      const underlying = underlyings[checked % underlyings.length] as string;
      const strike = strikes[checked % strikes.length] as number;
      const type = checked % 2 ? "CE" : "PE";
      for (const monthly of [false, true]) {
        expect(derivativeTerms(kiteSymbol(underlying, day, strike, type, monthly))).toEqual({
          underlying, year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: monthly ? null : day.getUTCDate(), strike: String(strike), type,
        });
      }
      checked += 1;
    }
    expect(checked).toBe(1826);
  });
});

describe("instrumentParts and instrumentLabel", () => {
  it("split a key into the name and its exchange tag", () => {
    expect(instrumentParts("NSE:INFY")).toEqual({ name: "INFY", exchange: "NSE" });
    expect(instrumentParts("NIFTY26JANFUT", "NFO")).toEqual({ name: "NIFTY Jan FUT", exchange: "NFO" });
    expect(instrumentParts("INFY")).toEqual({ name: "INFY", exchange: "" });
  });
  it("name the exchange in a label only when it is not the usual one", () => {
    expect(instrumentLabel("NSE:INFY")).toBe("INFY");
    expect(instrumentLabel("NFO:NIFTY26D0128200CE")).toBe("NIFTY 1 Dec 28200 CE");
    expect(instrumentLabel("BSE:INFY")).toBe("INFY (BSE)");
  });
});
