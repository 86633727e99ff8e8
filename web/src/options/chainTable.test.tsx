import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChainTable } from "./ChainTable";
import { COLUMNS, columnsThatFit, DESK_COLUMNS, shownColumns } from "./chainColumns";
import type { Chain, Contract } from "./optionApi";

let phone = false;
beforeEach(() => {
  window.localStorage.clear();
  window.matchMedia = ((query: string) => ({
    matches: phone && query.includes("max-width"), media: query, onchange: null,
    addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {}, dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
});
afterEach(() => { cleanup(); phone = false; });

const contract = (strike: number, type: "CE" | "PE", itm: boolean): Contract => ({
  tradingsymbol: `NIFTY26DEC${strike}${type}`, instrument_token: strike, strike, option_type: type, expiry_key: "2026-12-29", lot_size: 65,
  ltp: "182.35", bid: "182.30", ask: "182.40", tick_size: "0.05", iv: 13.2481, delta: type === "CE" ? 0.5213 : -0.4787,
  gamma: 0.00088641, theta: -12.8253, vega: 13.8114, oi: 6_045_000, oi_change: 325_000, volume: 12_345_675, itm,
});
const chain = {
  underlying: "NIFTY", expiry: "2026-12-29", expiries: ["2026-12-29"], spot: "25010", atm_strike: "25000", lot_size: 65, pcr: 1,
  max_pain: "25000", call_oi: 1, put_oi: 1, oi_source: "synthetic", updated_at: null,
  rows: [24900, 25000, 25100].map((s) => ({ strike: String(s), call: contract(s, "CE", s < 25010), put: contract(s, "PE", s > 25010) })),
} as unknown as Chain;

const show = () => render(<MantineProvider env="test"><ChainTable chain={chain} onAdd={() => {}} /></MantineProvider>);
const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent);

describe("the option chain table", () => {
  it("opens on a desk with OI, its change, volume, IV and delta either side, mirrored about the strike", () => {
    show();
    expect(headers()).toEqual(["Calls", "", "Puts", "Trade", "Delta", "IV %", "Volume", "OI chg", "OI", "LTP", "Strike", "LTP", "OI", "OI chg", "Volume", "IV %", "Delta", "Trade"]);
    const atm = screen.getAllByRole("row").find((r) => r.getAttribute("aria-current") === "true") as HTMLElement;
    // Indian grouping, a rise signed, the API's greeks to their digits
    const cells = within(atm).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["BS", "0.52", "13.2", "1,23,45,675", "+3,25,000", "60,45,000", "₹182.35", "₹25,000ATM", "₹182.35", "60,45,000", "+3,25,000", "1,23,45,675", "13.2", "-0.48", "BS"]);
  });

  it("shades the side in the money and outlines the ATM strike", () => {
    show();
    const rows = screen.getAllByRole("row").slice(2);
    expect(rows.map((r) => r.getAttribute("data-itm"))).toEqual(["call", "call", "put"]); // spot 25,010
    expect(rows.map((r) => r.getAttribute("aria-current"))).toEqual([null, "true", null]);
    const first = within(rows[0] as HTMLElement).getAllByRole("cell");
    expect((first[1] as HTMLElement).style.background).toContain("yellow-light"); // a call's cell
    expect((first[first.length - 2] as HTMLElement).style.background).toBe(""); // its put's
  });

  it("adds the greeks a trader picks, in the chain's order, and remembers the pick", { timeout: 30_000 }, async () => {
    show();
    await userEvent.click(screen.getByRole("button", { name: "Columns" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Theta (₹ per day)" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Vega (₹ per IV point)" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Volume today (units)" }));
    const puts = headers().slice(13, -1);
    expect(puts).toEqual(["OI", "OI chg", "IV %", "Delta", "Theta", "Vega"]);
    const atm = screen.getAllByRole("row").find((r) => r.getAttribute("aria-current") === "true") as HTMLElement;
    const cells = within(atm).getAllByRole("cell").map((c) => c.textContent);
    expect(cells.slice(-3, -1)).toEqual(["-12.83", "13.81"]); // ₹ a day, ₹ an IV point
    expect(JSON.parse(window.localStorage.getItem("chain-columns-desk") ?? "[]")).toEqual(["oi", "oi_change", "iv", "delta", "theta", "vega"]);
  });

  it("fits a phone: OI beside each LTP in lakh, the rest a pick away", () => {
    phone = true;
    show();
    expect(headers().slice(3)).toEqual(["Trade", "OI", "LTP", "Strike", "LTP", "OI", "Trade"]);
    const atm = screen.getAllByRole("row").find((r) => r.getAttribute("aria-current") === "true") as HTMLElement;
    expect(within(atm).getAllByRole("cell").map((c) => c.textContent)).toEqual(["BS", "60.45 L", "182.35", "25,000ATM", "182.35", "60.45 L", "BS"]);
  });
});

describe("chain columns", () => {
  it("keeps the chain's order and drops names it no longer has", () => {
    expect(shownColumns(["vega", "oi", "gone"]).map((c) => c.key)).toEqual(["oi", "vega"]);
    expect(shownColumns(DESK_COLUMNS).length).toBe(5);
    expect(COLUMNS.map((c) => c.key)).toEqual(["oi", "oi_change", "volume", "bid", "ask", "iv", "delta", "gamma", "theta", "vega"]);
  });
  it("shows no more columns than fit across the screen, at least one", () => {
    expect(columnsThatFit(1208, false)).toBe(4 + 1); // a 1440 px desk beside the menu: the five it opens with
    expect(columnsThatFit(358, true)).toBe(1); // a 390 px phone: OI beside each LTP
    expect(columnsThatFit(200, true)).toBe(1);
    expect(columnsThatFit(4000, false)).toBe(COLUMNS.length);
    expect(columnsThatFit(0, false)).toBe(COLUMNS.length); // not measured yet
  });
});
