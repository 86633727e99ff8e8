// The order ticket, openable from anywhere: `useOrderTicket().open({symbol, side})`, or the
// `B` / `S` keys (as on Kite) for the instrument a page has selected with `select(symbol)`.
// The dialog itself is its own chunk, loaded the first time it opens.
import { OPEN_TICKET_EVENT, type OpenTicketDetail, SELECT_INSTRUMENT_EVENT } from "@/components/openTicket";
import { type ReactNode, Suspense, createContext, lazy, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { TicketSeed } from "./form";

export type { TicketSeed } from "./form";

export interface OrderTicketApi {
  /** Opens the ticket, e.g. `open({ symbol: "NSE:INFY", side: "BUY" })`. */
  open: (seed?: TicketSeed) => void;
  /** The instrument `B` / `S` opens the ticket for (a page's selected row); null clears it. */
  select: (symbol: string | null) => void;
}

const Ctx = createContext<OrderTicketApi | null>(null);
const OrderTicketDialog = lazy(() => import("./OrderTicketDialog"));

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable || el.closest("[role=dialog]") !== null;
}

export function OrderTicketProvider({ children }: { children: ReactNode }) {
  const [seed, setSeed] = useState<TicketSeed | null>(null);
  const [generation, setGeneration] = useState(0);
  const selected = useRef<string | null>(null);

  const open = useCallback((next: TicketSeed = {}) => {
    setSeed(next);
    setGeneration((g) => g + 1);
  }, []);
  const select = useCallback((symbol: string | null) => {
    selected.current = symbol;
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return; // a page handled the key itself (the market watch)
      if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || typing(event.target)) return;
      if (/^\/(signin|auth)/.test(window.location.pathname)) return;
      const key = event.key.toLowerCase();
      if (key !== "b" && key !== "s") return;
      event.preventDefault();
      open({ symbol: selected.current ?? undefined, side: key === "b" ? "BUY" : "SELL" });
    };
    // Pages that do not import the ticket ask for it with an event (components/openTicket.ts).
    const onAsk = (event: Event) => {
      const { symbol, side } = (event as CustomEvent<OpenTicketDetail>).detail;
      open({ symbol, side });
    };
    const onSelect = (event: Event) => {
      selected.current = (event as CustomEvent<string | null>).detail;
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener(OPEN_TICKET_EVENT, onAsk);
    window.addEventListener(SELECT_INSTRUMENT_EVENT, onSelect);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener(OPEN_TICKET_EVENT, onAsk);
      window.removeEventListener(SELECT_INSTRUMENT_EVENT, onSelect);
    };
  }, [open]);

  const value = useMemo(() => ({ open, select }), [open, select]);
  return (
    <Ctx.Provider value={value}>
      {children}
      {seed && (
        <Suspense fallback={null}>
          <OrderTicketDialog key={generation} seed={seed} onClose={() => setSeed(null)} />
        </Suspense>
      )}
    </Ctx.Provider>
  );
}

/** The ticket's opener; outside the provider it does nothing (e.g. on the sign-in page). */
export function useOrderTicket(): OrderTicketApi {
  return useContext(Ctx) ?? { open: () => {}, select: () => {} };
}
