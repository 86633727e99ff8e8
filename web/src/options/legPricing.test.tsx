import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { basketBody, onTick, type Pricing, pricedAt, startingPrice } from "./basket";
import { LegPricing } from "./LegPricing";
import type { Chain, Contract, PayoffLeg } from "./optionApi";

afterEach(cleanup);

const contract = (symbol: string, bid: string | null, ask: string | null, ltp = "120.00"): Contract => ({
  tradingsymbol: symbol, instrument_token: 1, strike: 25000, option_type: "CE", expiry_key: "2026-12-29", lot_size: 65,
  ltp, bid, ask, tick_size: "0.05", iv: 12, delta: 0.5, gamma: 0, theta: 0, vega: 0, oi: 0, oi_change: 0, volume: 0, itm: false,
});
const BOUGHT = "NIFTY26DEC25000CE";
const SOLD = "NIFTY26DEC25500CE";
const chain = {
  rows: [
    { strike: "25000", call: contract(BOUGHT, "119.95", "120.05"), put: null },
    { strike: "25500", call: contract(SOLD, "40.10", "40.20", "40.15"), put: null },
  ],
} as unknown as Chain;
const legs: PayoffLeg[] = [
  { tradingsymbol: BOUGHT, transaction_type: "BUY", lots: 1 },
  { tradingsymbol: SOLD, transaction_type: "SELL", lots: 2 },
];

describe("a LIMIT leg's price", () => {
  it("starts at the touch it trades against: a buy at the offer, a sell at the bid", () => {
    expect(startingPrice(contract(BOUGHT, "119.95", "120.05"), "BUY")).toBe("120.05");
    expect(startingPrice(contract(BOUGHT, "119.95", "120.05"), "SELL")).toBe("119.95");
  });
  it("is rounded onto the tick toward the touch (a buy up, a sell down), in whole paise", () => {
    expect(onTick(120.03, 0.05, "BUY")).toBe("120.05");
    expect(onTick(120.03, 0.05, "SELL")).toBe("120.00");
    expect(onTick(0.1 + 0.2, 0.05, "BUY")).toBe("0.30"); // 0.30000000000000004 is 30 paise
    expect(onTick(0.01, 0.05, "SELL")).toBe("0.05"); // never below one tick
  });
  it("falls back to the last price without a book, and is blank without any price", () => {
    expect(startingPrice(contract(BOUGHT, null, null, "99.97"), "BUY")).toBe("100.00");
    expect(startingPrice(contract(BOUGHT, null, null, null as unknown as string), "BUY")).toBe("");
    expect(startingPrice(undefined, "SELL")).toBe("");
  });
  it("goes in the body only on a LIMIT leg; a blank one goes as null for the API to name", () => {
    const pricing: Pricing = { [SOLD]: { order_type: "LIMIT", price: " 40.10 " } };
    expect(basketBody(legs, "NRML", "paper", undefined, pricing).legs).toEqual([
      { tradingsymbol: BOUGHT, transaction_type: "BUY", lots: 1 },
      { tradingsymbol: SOLD, transaction_type: "SELL", lots: 2, order_type: "LIMIT", price: "40.10" },
    ]);
    const blank = basketBody(legs, "NRML", "paper", undefined, { [BOUGHT]: { order_type: "LIMIT", price: "" } });
    expect(blank.legs[0]).toMatchObject({ order_type: "LIMIT", price: null });
    expect(basketBody(legs, "NRML", "paper", undefined, { [BOUGHT]: { order_type: "MARKET", price: "5" } }).legs[0]).not.toHaveProperty("price");
  });
  it("is said in words in the confirmation", () => {
    expect(pricedAt(undefined)).toBe("at market");
    expect(pricedAt({ order_type: "LIMIT", price: "120.05" })).toBe("limit ₹120.05");
  });
});

function Editor({ errors }: { errors?: Record<string, string> }) {
  const [pricing, setPricing] = useState<Pricing>({});
  return (
    <MantineProvider>
      <LegPricing legs={legs} chain={chain} pricing={pricing} onChange={setPricing} errors={errors} />
      <output aria-label="body">{JSON.stringify(basketBody(legs, "NRML", "paper", undefined, pricing).legs)}</output>
    </MantineProvider>
  );
}

describe("the leg editor", () => {
  it("makes a leg a LIMIT at its touch, lets the trader edit it, and back to market", async () => {
    const user = userEvent.setup();
    render(<Editor />);
    expect(screen.queryByRole("textbox", { name: /Limit price/ })).toBeNull(); // market by default
    await user.click(screen.getAllByText("Limit")[1] as HTMLElement); // the sold leg
    const price = screen.getByRole("textbox", { name: "Limit price of NIFTY Dec 25500 CE" });
    expect(price).toHaveProperty("value", "40.10"); // the bid: a sell meets the buyers
    await user.clear(price);
    await user.type(price, "41.35");
    expect(screen.getByLabelText("body").textContent).toContain('"order_type":"LIMIT","price":"41.35"');
    await user.click(screen.getAllByText("Market")[1] as HTMLElement);
    expect(screen.queryByRole("textbox", { name: /Limit price/ })).toBeNull();
    expect(screen.getByLabelText("body").textContent).not.toContain("LIMIT");
    await user.click(screen.getAllByText("Limit")[0] as HTMLElement); // the bought leg: the offer
    expect(screen.getByRole("textbox", { name: "Limit price of NIFTY Dec 25000 CE" })).toHaveProperty("value", "120.05");
  });
  it("shows the API's refusal on the leg it names", async () => {
    const user = userEvent.setup();
    render(<Editor errors={{ "legs[0].price": "120.03 is not a multiple of the tick 0.05" }} />);
    await user.click(screen.getAllByText("Limit")[0] as HTMLElement);
    expect(await screen.findByText("120.03 is not a multiple of the tick 0.05")).toBeTruthy();
  });
});
