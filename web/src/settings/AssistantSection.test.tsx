import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: route it through one we can answer.
const calls = vi.hoisted(() => {
  const state = { answers: {} as Record<string, unknown>, sent: [] as { method: string; path: string; body: string }[] };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    state.sent.push({ method: request.method, path, body: await request.text() });
    return new Response(JSON.stringify(state.answers[`${request.method} ${path}`] ?? []), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  return state;
});

import { AssistantConfirmations, AssistantKeysSection } from "./AssistantSection";


afterEach(() => {
  cleanup();
  calls.sent.length = 0;
  calls.answers = {};
});

function shown(node: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider><QueryClientProvider client={client}>{node}</QueryClientProvider></MantineProvider>);
}

const KEY = {
  id: 7, name: "Claude", masked_key: "zta_Ab3d…", scope: "paper", created_at: "2026-11-29T10:00:00Z",
  last_used_at: null, revoked_at: null, active: true,
};

describe("AI assistant keys", () => {
  it("creates a key with the chosen name and shows the secret once", async () => {
    calls.answers["POST /api/assistant/keys"] = { ...KEY, api_key: "zta_secretsecretsecretsecretsecret12" };
    shown(<AssistantKeysSection />);
    fireEvent.change(screen.getByLabelText("Assistant key name"), { target: { value: "Claude" } });
    fireEvent.click(screen.getByRole("button", { name: "Create assistant key" }));

    await waitFor(() => expect(screen.getByDisplayValue("zta_secretsecretsecretsecretsecret12")).toBeTruthy());
    const made = calls.sent.find((c) => c.method === "POST" && c.path === "/api/assistant/keys");
    expect(JSON.parse(made?.body ?? "")).toEqual({ name: "Claude", scope: "read" });
  });
});

describe("Live orders waiting for confirmation", () => {
  it("lists what an assistant asked for and confirms it on a click", async () => {
    calls.answers["GET /api/assistant/confirmations"] = [{
      id: 3, key_id: 7, key_name: "Claude", status: "pending", order_id: null, message: null,
      created_at: "2026-11-29T10:00:00Z", decided_at: null,
      order: { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 10, order_type: "LIMIT", product: "CNC", price: "1490", mode: "live" },
    }];
    shown(<AssistantConfirmations />);

    await waitFor(() => expect(screen.getByText("BUY 10 NSE:INFY LIMIT CNC at ₹1490")).toBeTruthy());
    fireEvent.click(screen.getByRole("button", { name: "Confirm live order 3" }));
    await waitFor(() =>
      expect(calls.sent.some((c) => c.method === "POST" && c.path === "/api/assistant/confirmations/3/confirm")).toBe(true),
    );
  });
});
