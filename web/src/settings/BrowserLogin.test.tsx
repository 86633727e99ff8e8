import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: route it through one we can swap.
const calls = vi.hoisted(() => {
  const state = { answers: {} as Record<string, unknown>, sent: [] as { path: string; body: string }[] };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    state.sent.push({ path, body: await request.text() });
    return new Response(JSON.stringify(state.answers[path] ?? {}), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  return state;
});

import { GrowwBrowserLogin } from "./GrowwBrowserLogin";
import { UpstoxSecretForm } from "./UpstoxBrowserLogin";


afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  calls.sent.length = 0;
  calls.answers = {};
});

function shown(node: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider><QueryClientProvider client={client}>{node}</QueryClientProvider></MantineProvider>);
}

const SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // RFC 6238's; at T=59 the code is …287082

describe("Groww Browser Login", () => {
  it("posts the code this browser derived, never the seed", async () => {
    vi.spyOn(Date, "now").mockReturnValue(59_000);
    shown(<GrowwBrowserLogin />);
    fireEvent.change(screen.getByLabelText("Groww TOTP key or code"), { target: { value: SEED } });
    fireEvent.click(screen.getByRole("button", { name: "Log in to Groww" }));

    await waitFor(() => expect(calls.sent.map((c) => c.path)).toContain("/api/brokers/groww/session"));
    const login = calls.sent.find((c) => c.path === "/api/brokers/groww/session");
    expect(JSON.parse(login?.body ?? "")).toEqual({ totp: "287082" });
    expect(calls.sent.some((c) => c.body.includes(SEED))).toBe(false);
  });
});

describe("Upstox Browser Login", () => {
  it("posts the code, the typed secret and the state once", async () => {
    calls.answers["/api/agent/keys"] = [];
    const done = vi.fn();
    shown(<UpstoxSecretForm code="abc-12_x" state="st1" onDone={done} />);
    await waitFor(() => expect(calls.sent.map((c) => c.path)).toContain("/api/agent/keys"));
    fireEvent.change(screen.getByLabelText("Upstox API secret"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByRole("button", { name: "Complete Upstox login" }));

    await waitFor(() => expect(done).toHaveBeenCalled());
    const login = calls.sent.find((c) => c.path === "/api/brokers/upstox/session");
    expect(JSON.parse(login?.body ?? "")).toEqual({ code: "abc-12_x", api_secret: "s3cret", state: "st1" });
    expect(screen.queryByRole("button", { name: "Send to my trading agent" })).toBeNull(); // no agent key
  });

  it("offers the agent the code when the account has an active agent key", async () => {
    calls.answers["/api/agent/keys"] = [{ id: 1, active: true }];
    shown(<UpstoxSecretForm code="abc" state="st1" onDone={() => {}} />);
    fireEvent.click(await screen.findByRole("button", { name: "Send to my trading agent" }));

    await waitFor(() => expect(calls.sent.map((c) => c.path)).toContain("/api/trading-agent/relay/upstox"));
    const handed = calls.sent.find((c) => c.path === "/api/trading-agent/relay/upstox");
    expect(JSON.parse(handed?.body ?? "")).toEqual({ request_token: "abc", state: "st1" });
    expect(calls.sent.some((c) => c.path === "/api/brokers/upstox/session")).toBe(false);
  });
});
