// How the market watch asks for the order ticket. It dispatches a DOM event,
// `tradertape:open-ticket`, on `window` with `detail: { symbol, side }` (e.g.
// `{ symbol: "NSE:INFY", side: "BUY" }`). The order ticket listens for it and calls its own
// `useOrderTicket().open({ symbol, side })`; until a ticket is mounted the event simply goes
// unheard. Keeping the link an event means neither feature imports the other.

export type TicketSide = "BUY" | "SELL";

export interface OpenTicketDetail {
  symbol: string;
  side: TicketSide;
}

export const OPEN_TICKET_EVENT = "tradertape:open-ticket";

/** Asks the order ticket (when present) to open for `symbol` on `side`. */
export function openTicket(detail: OpenTicketDetail): void {
  window.dispatchEvent(new CustomEvent<OpenTicketDetail>(OPEN_TICKET_EVENT, { detail }));
}

export const SELECT_INSTRUMENT_EVENT = "tradertape:select-instrument";

/** Tells the order ticket which instrument the page has selected (null: none), so `B` and
 * `S` open it for that instrument wherever the keyboard focus is. */
export function selectForTicket(symbol: string | null): void {
  window.dispatchEvent(new CustomEvent<string | null>(SELECT_INSTRUMENT_EVENT, { detail: symbol }));
}
