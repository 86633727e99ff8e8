// Instruments by the names a trader reads: RELIANCE, "NIFTY 1 Dec 28200 CE", "NIFTY Jan FUT",
// never the API's key ("NSE:RELIANCE") or Kite's packed trading symbol ("NIFTY26D0128200CE").
// The exchange is shown beside the name as a small tag (`InstrumentName`), never glued to it.
//
// Kite packs a derivative's terms into its trading symbol (as the instrument master lists it):
//   weekly option   NIFTY 26 D 01 28200 CE  underlying, YY, one-character month (1-9, O, N, D), DD
//   monthly option  NIFTY 26 JAN 28200 CE   underlying, YY, MON: the month's last expiry
//   future          NIFTY 26 JAN FUT
// A monthly names only its month, so it is said as Kite says it ("NIFTY Jan 28200 CE"); a
// weekly carries its day ("NIFTY 1 Dec 28200 CE").

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKLY_MONTH = "123456789OND";
const MONTHLY = /^(\d{2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(?:([1-9]\d*(?:\.\d+)?)(CE|PE)|FUT)$/;
const WEEKLY = /^(\d{2})([1-9OND])(\d{2})([1-9]\d*(?:\.\d+)?)(CE|PE)$/;
const CASH = new Set(["NSE", "BSE"]);

/** What a derivative's trading symbol says; null for anything else. */
export interface DerivativeTerms {
  underlying: string;
  year: number;
  month: number; // 1..12
  day: number | null; // weeklies only: a monthly's day is the instrument master's
  strike: string | null; // null for a future
  type: "CE" | "PE" | "FUT";
}

// An expiry's two-digit year: contracts listed from 2020 on. It also tells an underlying
// that ends in digits (NIFTYNXT50, SENSEX50) from the year after it.
const plausibleYear = (yy: number) => yy >= 20 && yy <= 49;

/** The terms a Kite derivative symbol packs, or null when `symbol` is not one. Underlyings are
 * tried shortest first, the first split of the symbol's shape with a plausible year deciding. */
export function derivativeTerms(symbol: string): DerivativeTerms | null {
  const s = symbol.trim().toUpperCase();
  for (let i = 1; i < s.length - 4; i++) {
    const underlying = s.slice(0, i);
    const rest = s.slice(i);
    const monthly = MONTHLY.exec(rest);
    if (monthly && plausibleYear(Number(monthly[1]))) {
      const strike = monthly[3] ?? null;
      return {
        underlying,
        year: 2000 + Number(monthly[1]),
        month: MONTHS.findIndex((m) => m.toUpperCase() === monthly[2]) + 1,
        day: null,
        strike,
        type: strike === null ? "FUT" : (monthly[4] as "CE" | "PE"),
      };
    }
    const weekly = WEEKLY.exec(rest);
    if (weekly && plausibleYear(Number(weekly[1]))) {
      // the first split that reads as a weekly decides: a day that does not exist makes it no
      // symbol, rather than a longer underlying with a year of its digits
      const year = 2000 + Number(weekly[1]);
      const month = WEEKLY_MONTH.indexOf(weekly[2] as string) + 1;
      const day = Number(weekly[3]);
      const date = new Date(Date.UTC(year, month - 1, day));
      if (day < 1 || date.getUTCMonth() !== month - 1) return null;
      return { underlying, year, month, day, strike: weekly[4] as string, type: weekly[5] as "CE" | "PE" };
    }
  }
  return null;
}

/** An instrument as a trader reads it: "NIFTY26D0128200CE" → "NIFTY 1 Dec 28200 CE",
 * "NIFTY26JAN28200CE" → "NIFTY Jan 28200 CE", "NIFTY26JANFUT" → "NIFTY Jan FUT";
 * "RELIANCE", "NIFTY 50" as they are. A key's exchange ("NSE:RELIANCE") is dropped: show it
 * with `instrumentParts`. Cash symbols are never read as derivatives. */
export function instrumentName(symbol: string | null | undefined, exchange?: string | null): string {
  const { name } = instrumentParts(symbol, exchange);
  return name;
}

/** The name and the exchange of `symbol` (a key "NFO:NIFTY26JANFUT" or a bare trading
 * symbol, with its `exchange` when the row carries it separately). */
export function instrumentParts(
  symbol: string | null | undefined,
  exchange?: string | null,
): { name: string; exchange: string } {
  const text = (symbol ?? "").trim();
  const colon = text.indexOf(":");
  const exch = (colon > 0 ? text.slice(0, colon) : (exchange ?? "")).toUpperCase();
  const tradingsymbol = colon > 0 ? text.slice(colon + 1) : text;
  const terms = CASH.has(exch) ? null : derivativeTerms(tradingsymbol);
  if (!terms) return { name: tradingsymbol, exchange: exch };
  const month = MONTHS[terms.month - 1] as string;
  const when = terms.day === null ? month : `${terms.day} ${month}`;
  const what = terms.type === "FUT" ? "FUT" : `${terms.strike} ${terms.type}`;
  return { name: `${terms.underlying} ${when} ${what}`, exchange: exch };
}

/** The name for a label a screen reader says and a test finds ("Buy RELIANCE"): the name,
 * with the exchange only where it is not the usual one (NSE, and NFO for derivatives). */
export function instrumentLabel(symbol: string | null | undefined, exchange?: string | null): string {
  const parts = instrumentParts(symbol, exchange);
  return parts.exchange === "" || parts.exchange === "NSE" || parts.exchange === "NFO"
    ? parts.name
    : `${parts.name} (${parts.exchange})`;
}

/** A derivative's name, for beside a typed trading symbol ("NIFTY26JANFUT" → "NIFTY Jan FUT");
 * undefined when the symbol is its own name (an equity, or nothing typed). */
export function derivativeName(tradingsymbol: string, exchange?: string | null): string | undefined {
  const name = instrumentName(tradingsymbol, exchange);
  return name && name !== tradingsymbol.trim() ? name : undefined;
}
