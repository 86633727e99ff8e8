import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer through this one. Kite is
// connected; one INFY position is held in its account and, on paper, in a portfolio's book.
vi.hoisted(() => {
  const position = (book: string) => ({
    tradingsymbol: "INFY", exchange: "NSE", instrument_token: 408065, product: "CNC", quantity: 10,
    overnight_quantity: 0, multiplier: 1, average_price: 1500, close_price: 1490, last_price: 1510,
    value: -15000, pnl: 100, m2m: 100, unrealised: 100, realised: 0, buy_quantity: 10, buy_price: 1500,
    buy_value: 15000, sell_quantity: 0, sell_price: 0, sell_value: 0, day_buy_quantity: 10,
    day_buy_price: 1500, day_buy_value: 15000, day_sell_quantity: 0, day_sell_price: 0, day_sell_value: 0, book,
  });
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const url = new URL(String(input instanceof Request ? input.url : input), "http://localhost");
    let body: unknown = [];
    if (url.pathname === "/api/auth/status") body = { brokers: [{ broker: "kite", connected: true }] };
    if (url.pathname === "/api/portfolio/books") {
      body = [{ book: "portfolio:1", label: "Portfolio: V1 Momentum" }, { book: "live:kite", label: "Live: Kite" }];
    }
    if (url.pathname === "/api/portfolio/positions") {
      const row = position(url.searchParams.get("book") === "live:kite" ? "live:kite" : "portfolio:1");
      body = { net: [row], day: [row] };
    }
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  };
});

import { chooseAccount } from "@/account/account";
import { Component as PositionsPage } from "./PositionsPage";

beforeAll(() => {
  globalThis.WebSocket = class { send() {} close() {} } as unknown as typeof WebSocket;
});
afterEach(() => {
  cleanup();
  chooseAccount("paper");
});

async function headers(): Promise<string[]> {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider><QueryClientProvider client={client}><MemoryRouter><PositionsPage /></MemoryRouter></QueryClientProvider></MantineProvider>,
  );
  const table = await screen.findByRole("table", { name: "Net positions" });
  await within(table).findByText(/INFY/);
  return within(table).getAllByRole("columnheader").map((h) => h.textContent ?? "");
}

describe("the positions page's Book column", () => {
  it("is not shown on a broker's account: its rows are all its one book", async () => {
    chooseAccount("live:kite");
    const shown = await headers();
    expect(shown.some((h) => h.startsWith("Book"))).toBe(false);
    expect(screen.queryByText("Live: Kite", { selector: "td, td *" })).toBeNull();
  });

  it("names each row's book on paper, where portfolios and runs own books", async () => {
    const shown = await headers();
    expect(shown.some((h) => h.startsWith("Book"))).toBe(true);
    expect(screen.getByText("Portfolio: V1 Momentum", { selector: "td, td *" })).toBeTruthy();
  });
});
