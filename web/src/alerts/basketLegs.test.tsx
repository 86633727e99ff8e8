import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: answer the preview and the search here.
const asked = vi.hoisted(() => {
  const bodies: unknown[] = [];
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (url.pathname === "/api/instruments/search") {
      return json([{ key: "NSE:TCS", exchange: "NSE", tradingsymbol: "TCS", name: "TATA CONSULTANCY SERV LT", instrument_type: "EQ", sector: null }]);
    }
    const body = (await request.json()) as { legs: { quantity: number }[] };
    bodies.push(body);
    if (body.legs.some((l) => l.quantity > 1000)) {
      return json({ detail: [{ field: "legs[1].quantity", msg: "more than you can pay for", type: "value_error" }] }, 422);
    }
    return json({ margin_required: "1013418.76", charges: "23.60", available: "1000000.00", order: [0, 1], source: "estimate" });
  };
  return bodies;
});

import { type AlertForm, type AlertLegForm, initialAlert } from "./alertForm";
import { BasketLegs } from "./BasketLegs";

beforeAll(() => {
  window.matchMedia ??= ((query: string) => ({
    matches: false, media: query, onchange: null,
    addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {}, dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
  Element.prototype.scrollIntoView ??= () => {};
});
afterEach(cleanup);

function Form() {
  const [form, setForm] = useState<AlertForm>({ ...initialAlert("NSE:INFY"), with_order: true, order_kind: "basket" });
  return <BasketLegs form={form} saveErrors={[]} onLegs={(legs: AlertLegForm[]) => setForm({ ...form, legs })} />;
}

function renderForm() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<MantineProvider env="test"><QueryClientProvider client={client}><Form /></QueryClientProvider></MantineProvider>);
}

describe("an alert's basket in the form", () => {
  it("adds and removes legs, never below two", async () => {
    const user = userEvent.setup();
    renderForm();
    expect(screen.getAllByRole("group", { name: /^Leg \d$/ })).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Remove leg 1" })).toHaveProperty("disabled", true);
    await user.click(screen.getByRole("button", { name: "Add a leg" }));
    expect(screen.getAllByRole("group", { name: /^Leg \d$/ })).toHaveLength(3);
    await user.click(screen.getByRole("button", { name: "Remove leg 2" }));
    expect(screen.getAllByRole("group", { name: /^Leg \d$/ })).toHaveLength(2);
  });

  it("finds a leg's instrument, and shows the margin the API estimates for the legs together", async () => {
    const user = userEvent.setup();
    renderForm();
    const figures = await screen.findByRole("group", { name: "Basket margin" });
    expect(within(figures).getByText("₹10,13,418.76")).toBeTruthy(); // Indian grouping
    const leg2 = screen.getByRole("group", { name: "Leg 2" });
    await user.type(within(leg2).getByRole("textbox", { name: "Leg 2 symbol" }), "tcs");
    // the search's answer as an option (a role query over the whole form is too slow here)
    const option = await vi.waitFor(() => {
      const found = document.querySelector<HTMLElement>('[role="option"][value="NSE:TCS"]');
      if (!found) throw new Error("no TCS option yet");
      return found;
    });
    expect(option.textContent).toBe("TCS NSE");
    await user.click(option);
    await user.selectOptions(within(leg2).getByRole("combobox", { name: "Leg 2 side" }), "SELL");
    await user.selectOptions(within(leg2).getByRole("combobox", { name: "Leg 2 order type" }), "LIMIT");
    await user.type(within(leg2).getByRole("textbox", { name: "Leg 2 limit price (₹)" }), "3000");
    await vi.waitFor(() => {
      const last = asked.at(-1) as { symbol: string; legs: Record<string, unknown>[] };
      expect(last.symbol).toBe("NSE:INFY");
      expect(last.legs[0]).toMatchObject({ symbol: null, transaction_type: "BUY" });
      expect(last.legs[1]).toMatchObject({ symbol: "NSE:TCS", transaction_type: "SELL", order_type: "LIMIT", price: "3000" });
    });
  });

  it("shows the API's refusal on the leg's field", async () => {
    const user = userEvent.setup();
    renderForm();
    const quantity = screen.getByRole("textbox", { name: "Leg 2 quantity" });
    await user.clear(quantity);
    await user.type(quantity, "5000");
    expect(await screen.findByText("more than you can pay for")).toBeTruthy();
    expect(screen.queryByRole("group", { name: "Basket margin" })).toBeNull();
  });
});
