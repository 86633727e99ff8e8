import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: record each request here and answer the
// PATCH as the API does (the portfolio with its new placement), or refuse it with a 422.
const sent = vi.hoisted(() => {
  const requests: { method: string; url: string; body: unknown }[] = [];
  const answers: { status: number; body: unknown }[] = [];
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const text = await request.text();
    requests.push({ method: request.method, url: request.url, body: text ? JSON.parse(text) : null });
    const answer = answers.shift() ?? { status: 200, body: {} };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "Content-Type": "application/json" } });
  };
  return { requests, answers };
});

import { PortfolioPlacement } from "./AgentPlacementChoice";
import { AGENT_PLACEMENTS, placementHelp, placementOf } from "./agentPlacement";

afterEach(() => {
  cleanup();
  sent.requests.length = 0;
});

function show(placement: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(<MantineProvider><QueryClientProvider client={client}><PortfolioPlacement id={12} placement={placement} /></QueryClientProvider></MantineProvider>);
  return screen.getByRole("textbox", { name: "The agent places" });
}

function choose(input: HTMLElement, label: string) {
  fireEvent.click(input);
  fireEvent.click(screen.getByRole("option", { name: label }));
}

describe("what the agent places for a portfolio", () => {
  it("offers the API's three values in words, a GTT by default", () => {
    expect(AGENT_PLACEMENTS.map((p) => p.value)).toEqual(["gtt", "limit", "market"]);
    expect(placementOf(undefined)).toBe("gtt");
    expect(placementOf("market")).toBe("market");
    expect(placementHelp("gtt")).toContain("GTT at the signal's trigger");
    expect(placementHelp("limit")).toContain("SEBI");
  });

  it("shows the portfolio's placement and saves another through PATCH /api/model/portfolios/{id}", async () => {
    const input = show("gtt") as HTMLInputElement;
    expect(input.value).toBe("GTT");

    choose(input, "Market order");

    await waitFor(() => expect(sent.requests.some((r) => r.method === "PATCH")).toBe(true));
    const patch = sent.requests.find((r) => r.method === "PATCH");
    expect(new URL(patch?.url ?? "").pathname).toBe("/api/model/portfolios/12");
    expect(patch?.body).toEqual({ agent_placement: "market" });
  });

  it("sends nothing when the same placement is chosen again", () => {
    const input = show("limit") as HTMLInputElement;
    expect(input.value).toBe("Limit order");
    choose(input, "Limit order");
    expect(sent.requests.filter((r) => r.method === "PATCH")).toEqual([]);
  });

  it("says the API's refusal under the selector", async () => {
    sent.answers.push({ status: 409, body: { detail: "portfolio 12 is retired" } });
    choose(show("gtt"), "Limit order");
    expect((await screen.findByRole("alert")).textContent).toContain("portfolio 12 is retired");
  });
});
