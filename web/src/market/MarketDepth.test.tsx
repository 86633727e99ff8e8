import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DepthTable } from "./MarketDepth";
import { type DepthQuote, depthRows } from "./quote";

afterEach(cleanup);

const level = (price: number, quantity: number, orders: number) => ({ price, quantity, orders });
const QUOTE: DepthQuote = {
  depth: {
    buy: [level(1499.95, 1200, 3), level(1499.9, 640, 2), level(1499.85, 2400, 7), level(1499.8, 80, 1), level(1499.75, 123456, 16)],
    // a thin book: Kite pads it with zero levels
    sell: [level(1500.05, 300, 2), level(1500.1, 900, 4), level(0, 0, 0), level(0, 0, 0), level(0, 0, 0)],
  },
  ohlc: { open: 1495, high: 1504.1, low: 1491.35, close: 1480 },
  volume: 812345,
  last_quantity: 7,
  timestamp: "2026-11-20T10:15:02.000+05:30",
};

describe("depthRows", () => {
  it("pairs five bids with five offers, empty levels absent, and totals each side", () => {
    const rows = depthRows(QUOTE);
    expect(rows.levels).toHaveLength(5);
    expect(rows.levels[0]).toEqual({ bid: level(1499.95, 1200, 3), offer: level(1500.05, 300, 2) });
    expect(rows.levels[2]).toEqual({ bid: level(1499.85, 2400, 7), offer: undefined });
    expect(rows.totalBid).toBe(1200 + 640 + 2400 + 80 + 123456);
    expect(rows.totalOffer).toBe(1200);
  });

  it("is five empty rows before the first quote", () => {
    expect(depthRows(undefined)).toEqual({ levels: Array.from({ length: 5 }, () => ({ bid: undefined, offer: undefined })), totalBid: 0, totalOffer: 0 });
  });
});

describe("DepthTable", () => {
  it("shows each level's price, orders and quantity in Indian grouping, and the totals", () => {
    render(<MantineProvider><DepthTable symbol="NSE:INFY" quote={QUOTE} /></MantineProvider>);
    const table = screen.getByRole("table", { name: "Market depth of INFY" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(1 + 5 + 1); // heading, five levels, totals
    const cells = (row: HTMLElement) => within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells(rows[1]!)).toEqual(["1,499.95", "3", "1,200", "1,500.05", "2", "300"]);
    expect(cells(rows[5]!)).toEqual(["1,499.75", "16", "1,23,456", "—", "—", "—"]);
    expect(screen.getByLabelText("Total bid quantity").textContent).toBe("1,27,776");
    expect(screen.getByLabelText("Total offer quantity").textContent).toBe("1,200");
    const day = screen.getByLabelText("Day of NSE:INFY");
    expect(day.textContent).toContain("Prev. close 1,480.00");
    expect(day.textContent).toContain("Volume 8,12,345");
    expect(day.textContent).toContain("as of 10:15:02 IST");
  });
  it("says a price came from the broker's REST quote", () => {
    render(<MantineProvider><DepthTable symbol="NSE:INFY" quote={{ ...QUOTE, price_source: "rest" }} /></MantineProvider>);
    expect(screen.getByLabelText("Day of NSE:INFY").textContent).toContain("from the broker's REST quote (the feed is quiet)");
    cleanup();
    render(<MantineProvider><DepthTable symbol="NSE:INFY" quote={QUOTE} /></MantineProvider>);
    expect(screen.getByLabelText("Day of NSE:INFY").textContent).not.toContain("REST");
  });
});
