import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer through one we can read.
const calls = vi.hoisted(() => {
  const state = { sent: [] as { method: string; path: string; body: string }[], answers: {} as Record<string, [number, unknown]> };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    state.sent.push({ method: request.method, path, body: await request.text() });
    const [status, body] = state.answers[`${request.method} ${path}`] ?? [404, { detail: "not here" }];
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return state;
});

import { Component as EditorPage } from "./EditorPage";
import schema from "./fixtures/schema.json";

const BLANK = {
  name: "", version: 1, base_model: null, description: "",
  entry_rules: { type: "and", conditions: [] }, exit_rules: [],
  addon_rules: { enabled: false, condition: null, max_addons: 1, size_pct: 100, min_bars_between: 1 },
  conviction_scoring: [],
  config: { min_hold: 0, max_hold: null, atr_stop_mult: 0, gap_down_exit_pct: null, exit_buffer_pct: 0, entry_buffer_pct: 0, seed: 0 },
};

beforeAll(() => {
  calls.answers = {
    "GET /api/strategies/blank": [200, { document: BLANK }],
    "GET /api/strategies/schema": [200, schema],
    "POST /api/strategies": [201, { id: 41, name: "Oversold", version: 1 }],
  };
});
afterEach(() => {
  cleanup();
  calls.sent.length = 0;
});

describe("a new strategy", () => {
  it("starts blank, and is created once named with a first condition", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <MantineProvider>
        <QueryClientProvider client={client}>
          <MemoryRouter initialEntries={["/strategies/new"]}>
            <Routes>
              <Route path="/strategies/new" element={<EditorPage />} />
              <Route path="/strategies/:id/edit" element={<p>Saved strategy page</p>} />
            </Routes>
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );
    const name = await screen.findByRole("textbox", { name: "Name" }, { timeout: 10_000 });
    expect((name as HTMLInputElement).value).toBe("");
    expect(screen.getByRole("heading", { name: "New strategy" })).toBeTruthy();
    fireEvent.change(name, { target: { value: "Oversold" } });
    fireEvent.click((await screen.findAllByRole("button", { name: "Add a comparison" }, { timeout: 10_000 }))[0]!);
    fireEvent.click(screen.getByRole("button", { name: "Create strategy" }));

    expect(await screen.findByText("Saved strategy page", {}, { timeout: 10_000 })).toBeTruthy();
    const created = calls.sent.find((c) => c.method === "POST" && c.path === "/api/strategies");
    const body = JSON.parse(created?.body ?? "{}") as typeof BLANK;
    expect(body.name).toBe("Oversold");
    expect(body.entry_rules.conditions).toHaveLength(1);
    expect(body.config).toEqual(BLANK.config); // the server's defaults, untouched
  }, 30_000);
});
