import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer the book through this one. A
// NIFTY call bought above its freeze quantity went in three slices (issue 54), two filled.
vi.hoisted(() => {
  const child = (id: string, quantity: number, filled: number, status: string) => ({
    order_id: id, status, order_timestamp: "2026-11-27 10:00:00", exchange: "NFO", tradingsymbol: "NIFTY26DEC25000CE",
    transaction_type: "BUY", product: "NRML", order_type: "LIMIT", variety: "regular", quantity, filled_quantity: filled,
    pending_quantity: quantity - filled, cancelled_quantity: 0, price: 150, trigger_price: 0, average_price: filled ? 149 : 0,
    meta: { source: "api", slice_parent: "Sabc" },
  });
  const orders = [child("O1", 1755, 1755, "COMPLETE"), child("O2", 1755, 1755, "COMPLETE"), child("O3", 195, 0, "OPEN")];
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = url.includes("/portfolio/orders") ? orders : [];
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  };
});

import { Component as OrdersPage } from "./OrdersPage";

beforeAll(() => {
  globalThis.WebSocket = class { send() {} close() {} } as unknown as typeof WebSocket;
});
afterEach(cleanup);

describe("the orders page", () => {
  it("shows a sliced order as one row, its filled quantity the sum, its children nested on demand", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <MantineProvider><QueryClientProvider client={client}><MemoryRouter><OrdersPage /></MemoryRouter></QueryClientProvider></MantineProvider>,
    );
    const table = await screen.findByRole("table", { name: "Open orders" });
    const toggle = await within(table).findByRole("button", { name: /Show the 3 slices of BUY/ });
    expect(within(table).getAllByRole("row")).toHaveLength(2); // the header and the one order
    expect(within(table).getByText("3,510 / 3,705")).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Open (1)" })).toBeTruthy();
    // The parent's own row cancels its working slices at once (issue 54).
    expect(within(table).getByRole("button", { name: /^Cancel all slices of BUY/ })).toBeTruthy();

    fireEvent.click(toggle);

    const slices = await screen.findByRole("table", { name: /Slices of BUY/ });
    const rows = within(slices).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent?.match(/slice \d of 3/)?.[0])).toEqual(["slice 1 of 3", "slice 2 of 3", "slice 3 of 3"]);
    expect(within(slices).getByText("0 / 195")).toBeTruthy();
    expect(within(slices).getByRole("button", { name: /Cancel BUY .* O3/ })).toBeTruthy(); // the working child
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
  });
});
