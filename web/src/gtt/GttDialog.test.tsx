import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { initialGtt } from "./gttForm";

// The symbols' last prices, as the tick socket would give them; `tick` moves one.
const prices = vi.hoisted(() => ({ now: {} as Record<string, number>, listeners: new Set<() => void>() }));
vi.mock("@/ticks/useTick", async () => {
  const { useSyncExternalStore } = await import("react");
  return {
    useTick: (symbol: string | null) =>
      useSyncExternalStore(
        (listener) => { prices.listeners.add(listener); return () => prices.listeners.delete(listener); },
        () => {
          const ltp = symbol ? prices.now[symbol] : undefined;
          return ltp === undefined ? undefined : tickOf(symbol!, ltp);
        },
      ),
  };
});
const made = new Map<string, object>();
function tickOf(symbol: string, ltp: number): object {
  const key = `${symbol}@${ltp}`;
  if (!made.has(key)) made.set(key, { symbol, ltp });
  return made.get(key)!;
}
function tick(symbol: string, ltp: number) {
  act(() => {
    prices.now[symbol] = ltp;
    prices.listeners.forEach((l) => l());
  });
}

import { GttDialog } from "./GttDialog";

afterEach(() => {
  cleanup();
  prices.now = {};
});

function open() {
  const client = new QueryClient();
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <GttDialog initial={initialGtt()} onClose={() => {}} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return screen.getByRole("textbox", { name: "Last price" });
}

describe("the GTT dialog's last price", () => {
  it("is the symbol's LTP until the user types one, and an emptied field stays empty", () => {
    const price = open();
    tick("NSE:INFY", 1398.2);
    fireEvent.change(screen.getByRole("textbox", { name: "Symbol" }), { target: { value: "infy" } });
    expect(price).toHaveProperty("value", "1398.2");

    fireEvent.change(price, { target: { value: "" } });
    tick("NSE:INFY", 1399.5);
    expect(price).toHaveProperty("value", "");
    fireEvent.change(price, { target: { value: "1400" } });
    tick("NSE:INFY", 1401);
    expect(price).toHaveProperty("value", "1400");
  });

  it("follows another symbol when the LTP was filled, not when the user typed it", () => {
    const price = open();
    tick("NSE:INFY", 1398.2);
    tick("NSE:TCS", 3500);
    const symbol = screen.getByRole("textbox", { name: "Symbol" });
    fireEvent.change(symbol, { target: { value: "INFY" } });
    expect(price).toHaveProperty("value", "1398.2");
    fireEvent.change(symbol, { target: { value: "TCS" } });
    expect(price).toHaveProperty("value", "3500");

    fireEvent.change(price, { target: { value: "3490" } });
    fireEvent.change(symbol, { target: { value: "INFY" } });
    expect(price).toHaveProperty("value", "3490");
  });
});
