import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer the run cards here.
vi.hoisted(() => {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
    if (url.pathname === "/api/algo-workers/runs") return json([{ id: 7, strategy_run_id: "run_demo_001" }]);
    return new Response(JSON.stringify({ detail: "not here" }), { status: 404, headers: { "Content-Type": "application/json" } });
  };
});

import { Component as RunPage } from "./RunPage";
import { healthWord } from "./words";

beforeAll(() => {
  // the run's own page streams its timeline; jsdom has no EventSource
  globalThis.EventSource ??= class { onmessage = null; onerror = null; addEventListener() {} removeEventListener() {} close() {} } as unknown as typeof EventSource;
});
afterEach(cleanup);

function open(path: string) {
  const router = createMemoryRouter([
    { path: "/workers/runs/:id", element: <RunPage /> },
    { path: "/workers", element: <p>the runs</p> },
  ], { initialEntries: [path] });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={client}><RouterProvider router={router} /></QueryClientProvider></MantineProvider>);
  return router;
}

describe("a run page named by the id its worker knows", () => {
  it("opens the desk's run of that id", async () => {
    const router = open("/workers/runs/run_demo_001");
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/workers/runs/7"));
  });
  it("says plainly when no run has that id, rather than spinning", async () => {
    open("/workers/runs/run_nobody");
    expect(await screen.findByText(/None of your worker runs is called “run_nobody”/)).toBeTruthy();
  });
});

describe("a run's health", () => {
  it("follows the heartbeat: a silent worker says for how long, a finished run is stopped", () => {
    expect(healthWord("healthy", 3)).toEqual(["Healthy", "teal"]);
    expect(healthWord("stale", 75)[0]).toBe("No heartbeat for 1 min");
    expect(healthWord("disconnected", 40)[0]).toBe("No heartbeat for 40 s");
    expect(healthWord("stopped", 2)[0]).toBe("Stopped");
  });
});
