// A portfolio's row while a sale of its symbol works in its book (an MTM exit at market
// filling with the prints' volume, an exit by hand, the portfolio's own exit): the portfolio
// books the sale when its order ends, so until then the row holds its full quantity. These
// are the words that say so, on the row and beside the totals; the figures are the API's.
import { instrumentLabel, qty } from "@/format";

export type ExitWorking = { sold: number; quantity: number; hands: string[] };

const HANDS: Record<string, string> = {
  mtm_exit: "the MTM exit rule",
  manual: "an exit by hand",
  portfolio: "the portfolio's exit",
  square_off: "the session's square-off",
  expiry: "expiry",
};

/** "Exit working: 250 of 434 sold (the MTM exit rule)". */
export function exitWorkingWords(w: ExitWorking): string {
  const whose = w.hands.map((h) => HANDS[h] ?? h.replace(/_/g, " ")).join(", ");
  return `Exit working: ${qty(w.sold)} of ${qty(w.quantity)} sold${whose ? ` (${whose})` : ""}`;
}

/** What the totals say while rows wait for their exits to end, or null when none does. */
export function waitingWords(symbols: string[]): string | null {
  if (symbols.length === 0) return null;
  const names = symbols.map((s) => instrumentLabel(s));
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  const one = names.length === 1;
  return `Deployed and unrealised still count ${list} at ${one ? "its" : "their"} full quantity: ` +
    `${one ? "its exit is" : "their exits are"} working, and the sale is booked when ${one ? "it ends" : "they end"}.`;
}
