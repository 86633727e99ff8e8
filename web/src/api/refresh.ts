/**
 * How often figures marked to the last tick are read again: the books (positions, funds,
 * orders) and the risk state the top bar's "Today" comes from. One rate, so the top bar and
 * the page under it show the same moment's marks (at 30 s against 5 s, the top bar's P&L
 * trailed the Funds page's by a tick's worth of rupees).
 */
export const MARKS_REFRESH_MS = 5_000;
