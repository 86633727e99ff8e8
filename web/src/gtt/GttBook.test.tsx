import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer the GTT list through this one.
vi.hoisted(() => {
  const gtt = (id: number, book: string, label: string) => ({
    id, user_id: 1, parent_trigger: null, type: "single", created_at: `2026-11-20T0${id}:00:00Z`,
    updated_at: "2026-11-20T05:00:00Z", expires_at: "2027-11-20T05:00:00Z", provisional_calendar: false,
    status: "active", condition: { exchange: "NSE", tradingsymbol: "INFY", instrument_token: 1, trigger_values: [1350], last_price: 1400 },
    orders: [{ exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 2, order_type: "LIMIT", product: "CNC", price: 1355, result: null }],
    meta: null, book, book_label: label,
  });
  globalThis.fetch = async () =>
    new Response(JSON.stringify([gtt(1, "manual", "Manual"), gtt(2, "portfolio:3", "Portfolio: Dip buyer")]), {
      status: 200, headers: { "Content-Type": "application/json" },
    });
});

import { Component as GttPage } from "./GttPage";

beforeAll(() => {
  // the live prices' socket: never opens here
  globalThis.WebSocket = class { send() {} close() {} } as unknown as typeof WebSocket;
});
afterEach(cleanup);

describe("the GTT list", () => {
  it("names each trigger's book", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(<MantineProvider><QueryClientProvider client={client}><GttPage /></QueryClientProvider></MantineProvider>);
    const table = await screen.findByRole("table", { name: "GTT triggers" });
    const header = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    const column = header.findIndex((h) => h?.startsWith("Book"));
    expect(column).toBeGreaterThan(0);
    await within(table).findByText("Portfolio: Dip buyer");
    const rows = within(table).getAllByRole("row").slice(1);
    const books = rows.map((r) => r.querySelectorAll("td, th")[column]?.textContent);
    expect(books.sort()).toEqual(["Manual", "Portfolio: Dip buyer"]);
  });
});
