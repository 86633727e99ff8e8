// Every figure the app shows goes through here: Indian digit grouping (₹10,13,418.76),
// lakh/crore for chart axes, signed P&L, quantities and percentages. The API sends money as
// strings (exact decimals) or numbers; both are accepted and never re-computed, only shown.

export type Amount = string | number | null | undefined;

const grouped = new Map<number, Intl.NumberFormat>();

function grouping(decimals: number): Intl.NumberFormat {
  let format = grouped.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat("en-IN", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    grouped.set(decimals, format);
  }
  return format;
}

/** A number from the API's string or number, or null when absent or not a number. */
export function toNumber(value: Amount): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Groups a decimal string's integer part the Indian way without going through a float. */
function groupDigits(integer: string): string {
  if (integer.length <= 3) return integer;
  const last3 = integer.slice(-3);
  const rest = integer.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ",");
  return `${rest},${last3}`;
}

/** Exact formatting of a decimal string such as "1013418.765" (kept as the API sent it). */
function fromDecimalString(text: string, decimals: number): string | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign = "", int = "0", frac = ""] = match;
  if (frac.length > decimals) return null; // needs rounding: let Intl round it
  const padded = frac.padEnd(decimals, "0");
  const body = groupDigits(int.replace(/^0+(?=\d)/, ""));
  const negative = sign === "-" && /[1-9]/.test(int + frac);
  return `${negative ? "-" : ""}${body}${decimals > 0 ? `.${padded}` : ""}`;
}

/** ₹10,13,418.76; "—" when there is no figure. */
export function inr(value: Amount, decimals = 2): string {
  const text = plain(value, decimals);
  if (text === "—") return text;
  return text.startsWith("-") ? `-₹${text.slice(1)}` : `₹${text}`;
}

/** 10,13,418.76 (no currency sign), for table cells under a ₹ heading. */
export function plain(value: Amount, decimals = 2): string {
  if (typeof value === "string") {
    const exact = fromDecimalString(value, decimals);
    if (exact !== null) return exact;
  }
  const n = toNumber(value);
  if (n === null) return "—";
  const text = grouping(decimals).format(n);
  return text === `-${grouping(decimals).format(0)}` ? grouping(decimals).format(0) : text;
}

/** +₹1,250.00 / -₹300.50 for P&L, where the sign is the point. */
export function signedInr(value: Amount, decimals = 2): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = inr(value, decimals);
  return n > 0 ? `+${text}` : text;
}

/** Quantity in Indian grouping, no decimals: 1,50,000. */
export function qty(value: Amount): string {
  const n = toNumber(value);
  return n === null ? "—" : grouping(0).format(n);
}

/** 1.25% / -0.40%; `signed` adds + to gains. */
export function pct(value: Amount, { signed = false, decimals = 2 } = {}): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const zero = grouping(decimals).format(0);
  const shown = grouping(decimals).format(n);
  if (shown === zero || shown === `-${zero}`) return `${zero}%`; // too small to show: no sign, never "-0.00%"
  return signed && n > 0 ? `+${shown}%` : `${shown}%`;
}

/** One figure in chart form: ₹1.25 Cr, ₹12.5 L, and below a lakh the rupees in Indian
 * grouping (₹45,200; ₹950.5), as a trader writes them. An axis's ticks: `moneyTicks`. */
export function lakhCrore(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const trim = (n: number) => n.toFixed(2).replace(/\.?0+$/, "");
  if (abs >= 1e7) return `${sign}₹${trim(abs / 1e7)} Cr`;
  if (abs >= 1e5) return `${sign}₹${trim(abs / 1e5)} L`;
  const paise = Math.round(abs * 100);
  const fraction = paise % 100 === 0 ? "" : `.${String(paise % 100).padStart(2, "0").replace(/0$/, "")}`;
  return `${sign}₹${groupDigits(String(Math.floor(paise / 100)))}${fraction}`;
}

/** A count in a narrow cell, as Indian chains print open interest and volume: 1.25 Cr,
 * 12.5 L, and below a lakh the whole number in Indian grouping (45,200); `signed` adds +
 * to a rise (an OI change). */
export function lakhs(value: Amount, { signed = false } = {}): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const abs = Math.abs(n);
  const sign = n < 0 ? "-" : signed && n > 0 ? "+" : "";
  const trim = (x: number) => x.toFixed(2).replace(/\.?0+$/, "");
  if (abs >= 1e7) return `${sign}${trim(abs / 1e7)} Cr`;
  if (abs >= 1e5) return `${sign}${trim(abs / 1e5)} L`;
  return `${sign}${grouping(0).format(Math.round(abs))}`;
}

/** "up" | "down" | "flat" for colouring by direction only (red/green mean direction). */
export function direction(value: Amount): "up" | "down" | "flat" {
  const n = toNumber(value);
  if (n === null || n === 0) return "flat";
  return n > 0 ? "up" : "down";
}
