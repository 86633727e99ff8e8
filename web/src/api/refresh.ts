// Figures marked to the last tick (the books, and the risk state the top bar's "Today" comes
// from) are re-read together, on one beat and after every write to the account, so the top
// bar and the page under it always show the same moment's marks. Polled each on its own
// timer (30 s and 5 s), the top bar's P&L trailed the Funds page's by a tick's worth of rupees.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { riskStateKey } from "@/shell/deskApi";

export const MARKS_REFRESH_MS = 5_000;

const MARKED_BOOKS = new Set(["books", "orders", "trades", "positions", "holdings", "margins"]);

/** Whether a query reads figures marked to the last tick: a book view or the risk state. */
export function isMarked(key: readonly unknown[]): boolean {
  if (key[0] === "portfolio") return MARKED_BOOKS.has(String(key[1]));
  return riskStateKey.every((part, i) => key[i] === part);
}

/** Re-read every marked figure on screen at once. */
export function refreshMarks(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ predicate: (query) => isMarked(query.queryKey) });
}

/** After an order, a change or a deposit: every view of the account, and the risk state. */
export async function refreshAccount(client: QueryClient): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: ["portfolio"] }),
    client.invalidateQueries({ queryKey: riskStateKey }),
  ]);
}

/** The one beat of the marked figures (the shell runs it); quiet while the tab is hidden. */
export function useMarksBeat(): void {
  const client = useQueryClient();
  useEffect(() => {
    const beat = window.setInterval(() => {
      if (document.visibilityState === "visible") void refreshMarks(client);
    }, MARKS_REFRESH_MS);
    return () => window.clearInterval(beat);
  }, [client]);
}
