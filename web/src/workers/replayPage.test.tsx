import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer one finished replay here.
vi.hoisted(() => {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
    if (url.pathname === "/api/algo-workers/replays/3") {
      return json({
        id: 3, strategy_run_id: "run_basic_equity_001", from: "2026-11-02", to: "2026-11-02", resolution: "minute", speed: "max",
        status: "finished", clock: "2026-11-02T03:52:00Z", started_at: "2026-11-20T04:30:00Z", finished_at: "2026-11-20T04:31:00Z",
        report: {
          summary: {
            total_return: -0.0013, final_equity: "999987.00", starting_capital: "1000000", net_pnl: "-13.00", total_charges: "13.40",
            total_trades: 1, open_trades: 0, fills: 2, win_rate: 0, profit_factor: null, max_drawdown: -0.0013,
            avg_win: "0", avg_loss: "-13.00", expectancy: "-13.00", data_source: "import", synthetic: false,
          },
          trades: [{ symbol: "NSE:INFY", side: "LONG", quantity: 1, entry_at: "2026-11-02T03:47:00Z", exit_at: "2026-11-02T03:51:00Z",
            entry_price: "1500.20", exit_price: "1500.60", charges: "13.40", pnl: "-13.00" }],
          equity: [{ ts: "2026-11-02T03:52:00Z", equity: "999987.00" }],
          from: "2026-11-02T03:45:00Z", until: "2026-11-02T03:52:00Z",
        },
      });
    }
    return new Response(JSON.stringify({ detail: "not here" }), { status: 404, headers: { "Content-Type": "application/json" } });
  };
});

import { Component as ReplayPage } from "./ReplayPage";

afterEach(cleanup);

describe("a replay's page", () => {
  it("shows its clock in IST and its report: figures, round trips, equity", async () => {
    const router = createMemoryRouter([{ path: "/workers/replays/:id", element: <ReplayPage /> }], { initialEntries: ["/workers/replays/3"] });
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(<MantineProvider env="test"><QueryClientProvider client={client}><RouterProvider router={router} /></QueryClientProvider></MantineProvider>);
    expect(await screen.findByText("run_basic_equity_001")).toBeTruthy();
    expect(screen.getAllByText("02 Nov 2026, 09:22:00 IST").length).toBeGreaterThan(0); // 03:52 UTC
    expect(screen.getByRole("table", { name: /Round trips/ })).toBeTruthy();
    expect(screen.getByRole("table", { name: /Equity curve/ })).toBeTruthy();
    expect(screen.getAllByText(/13\.40/).length).toBeGreaterThan(0);
  });
});
