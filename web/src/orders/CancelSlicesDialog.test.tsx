import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was made with: this one answers "cancel all slices" of a
// NIFTY call bought in three slices, the first filled before the cancel (issue 54).
const calls = vi.hoisted(() => {
  const seen: string[] = [];
  const child = (id: string, quantity: number, filled: number, status: string) => ({
    order_id: id, status, order_timestamp: "2026-11-27 10:00:00", exchange: "NFO", tradingsymbol: "NIFTY26DEC25000CE",
    transaction_type: "BUY", product: "NRML", order_type: "LIMIT", variety: "regular", quantity, filled_quantity: filled,
    pending_quantity: 0, cancelled_quantity: quantity - filled, price: 150, trigger_price: 0, average_price: filled ? 149 : 0,
    meta: { source: "api", slice_parent: "Sabc" },
  });
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    const body = { slice_parent: "Sabc", children: [child("O1", 1755, 1755, "COMPLETE"), child("O2", 1755, 0, "CANCELLED"), child("O3", 195, 0, "CANCELLED")] };
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  return seen;
});

import type { BookOrder } from "./books";
import { CancelSlicesDialog } from "./CancelSlicesDialog";
import type { Grouped } from "./slices";

afterEach(cleanup);

const slice = (order_id: string, quantity: number, filled: number, status: string) =>
  ({ order_id, status, exchange: "NFO", tradingsymbol: "NIFTY26DEC25000CE", transaction_type: "BUY", quantity,
    filled_quantity: filled, pending_quantity: quantity - filled, meta: { slice_parent: "Sabc" } }) as BookOrder;

describe("cancel all slices", () => {
  it("asks once for the working slices, cancels them in one call, then shows each slice's state", async () => {
    const children = [slice("O1", 1755, 1755, "COMPLETE"), slice("O2", 1755, 0, "OPEN"), slice("O3", 195, 0, "OPEN")];
    const parent: Grouped<BookOrder> = { ...children[0], quantity: 3705, status: "OPEN", slices: children };
    const closed = vi.fn();
    render(
      <MantineProvider><QueryClientProvider client={new QueryClient()}><CancelSlicesDialog parent={parent} onClose={closed} /></QueryClientProvider></MantineProvider>,
    );
    const dialog = await screen.findByRole("dialog", { name: "Cancel all slices" });
    expect(dialog.textContent).toContain("Cancel 2 working slices of BUY 3,705");
    expect(dialog.textContent).toContain("1,950 pending will be cancelled");

    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel all slices" }));

    const table = await within(dialog).findByRole("table", { name: /Slices of BUY 3,705/ });
    const rows = within(table).getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual([
      "1 of 3COMPLETE1,755 / 1,755",
      "2 of 3CANCELLED0 / 1,755",
      "3 of 3CANCELLED0 / 195",
    ]);
    expect(within(dialog).getByRole("status").textContent).toContain("2 of 3 slices are cancelled");
    expect(calls).toContain("POST /api/orders/O1/slices/cancel");
    fireEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(closed).toHaveBeenCalled();
  });
});
