import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Holding, Position } from "./books";
import { DeliveryObligation, SharesOwed, deliveryWords } from "./DeliveryObligation";

afterEach(cleanup);

// the API's rows (issue 63): a RELIANCE call in the money at E-4, a put that gives shares
// the account does not hold, and a future on its expiry day
const call = {
  tradingsymbol: "RELIANCE26DEC1200CE", exchange: "NFO", quantity: 500,
  delivery: {
    side: "BUY", underlying: "RELIANCE", quantity: 500, price: 1200, value: 600000, expiry: "2026-12-29",
    days_to_expiry: 4, underlying_price: 1220.9, margin: 11100, shares_held: null, shares_short: null,
  },
} as Position;
const put = {
  tradingsymbol: "RELIANCE26DEC1250PE", exchange: "NFO", quantity: 500,
  delivery: {
    side: "SELL", underlying: "RELIANCE", quantity: 500, price: 1250, value: 625000, expiry: "2026-12-29",
    days_to_expiry: 1, underlying_price: 1220.9, margin: 80937.5, shares_held: 100, shares_short: 400,
  },
} as Position;

const show = (row: Position) => render(<MantineProvider><DeliveryObligation row={row} /></MantineProvider>);

describe("DeliveryObligation", () => {
  it("says who buys how many shares at what price, the value and the margin, in Indian grouping", () => {
    show(call);
    const note = screen.getByRole("note", { name: /Physical delivery/ });
    expect(note.textContent).toContain("Buy 500 RELIANCE at ₹1,200.00 · value ₹6,00,000.00 · expiry 29 Dec 2026, in 4 trading days");
    expect(note.textContent).toContain("Delivery margin ₹11,100.00");
    expect(note.textContent).not.toContain("Short by");
  });

  it("shows a sale of shares not held as shares owed", () => {
    show(put);
    const note = screen.getByRole("note", { name: /Sell 500 RELIANCE at ₹1,250.00/ });
    expect(note.textContent).toContain("in 1 trading day");
    expect(note.textContent).toContain("Short by 400 shares: you hold 100");
  });

  it("shows nothing for a position that delivers nothing", () => {
    show({ tradingsymbol: "NIFTY26DEC25000CE", exchange: "NFO", quantity: 65 } as Position);
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("says expiry today on the expiry day", () => {
    const future = { ...call.delivery!, days_to_expiry: 0, margin: null };
    expect(deliveryWords(future)).toBe("Buy 500 RELIANCE at ₹1,200.00 · value ₹6,00,000.00 · expiry today");
  });
});

describe("SharesOwed", () => {
  const holding = (quantity: number, t1_quantity: number) => ({ tradingsymbol: "RELIANCE", exchange: "NSE", quantity, t1_quantity }) as Holding;

  it("names the shares a delivery sale left owed", () => {
    render(<MantineProvider><SharesOwed row={holding(-500, 0)} /></MantineProvider>);
    expect(screen.getByLabelText("Short delivery: 500 shares owed").textContent).toBe("500 owed");
  });

  it("says nothing of shares held", () => {
    render(<MantineProvider><SharesOwed row={holding(0, 500)} /></MantineProvider>);
    expect(screen.queryByLabelText(/Short delivery/)).toBeNull();
  });
});
