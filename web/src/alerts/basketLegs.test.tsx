import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

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
    if (body.legs.some((l) => l.quantity === 65)) {
      // a bull call spread: its hedge credited, and its payoff as the chain's ticket has it
      return json({
        margin_required: "80112.50", margin_without_hedge: "259272.50", hedge_benefit: "179160.00", charges: "61.20",
        available: "1000000.00", order: [0, 1], source: "estimate",
        payoff: {
          underlying: "NIFTY", spot: "27800.00", days_to_expiry_now: 1, scenario: {}, legs: [], net_premium: "-3133.00",
          max_profit: "3367.00", max_loss: "-3133.00", breakevens: ["27798.20"], pnl_today: "0.00", pnl_at_expiry: "0.00",
          greeks: { delta: 0.1, gamma: 0, theta: 0, vega: 0 }, points: [],
        },
      });
    }
    return json({
      margin_required: "1013418.76", margin_without_hedge: "1013418.76", hedge_benefit: "0.00", charges: "23.60",
      available: "1000000.00", order: [0, 1], source: "estimate", payoff: null,
    });
  };
  return bodies;
});

import { type AlertForm, type AlertLegForm, initialAlert } from "./alertForm";
import { BasketLegs } from "./BasketLegs";

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
    expect(within(figures).getByLabelText("Margin needed (estimate)").textContent).toBe("₹10,13,418.76"); // Indian grouping
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

  it("shows an option basket's hedge benefit and payoff, as the chain's ticket does", async () => {
    const user = userEvent.setup();
    renderForm();
    expect(await screen.findByRole("group", { name: "Basket margin" })).toBeTruthy();
    expect(screen.queryByRole("group", { name: "Payoff at expiry" })).toBeNull(); // shares: none
    for (const n of [1, 2]) {
      const quantity = screen.getByRole("textbox", { name: `Leg ${n} quantity` });
      await user.clear(quantity);
      await user.type(quantity, "65");
    }
    const payoff = await screen.findByRole("group", { name: "Payoff at expiry" });
    expect(within(payoff).getByLabelText("Max profit").textContent).toContain("3,367.00");
    expect(within(payoff).getByLabelText("Max loss").textContent).toContain("3,133.00");
    expect(within(payoff).getByLabelText("Breakevens").textContent).toBe("₹27,798.20");
    expect(within(payoff).queryByLabelText("Delta")).toBeNull(); // no what-if asked here
    const margin = screen.getByRole("group", { name: "Basket margin" });
    expect(within(margin).getByLabelText("Legs alone").textContent).toBe("₹2,59,272.50");
    expect(within(margin).getByLabelText("Hedge benefit").textContent).toBe("₹1,79,160.00");
    expect(within(margin).getByLabelText("Margin needed (estimate)").textContent).toBe("₹80,112.50");
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
