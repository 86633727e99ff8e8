import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { type Column, DataTable } from "./DataTable";

afterEach(cleanup);

interface Holding { symbol: string; qty: number }
const columns: Column<Holding>[] = [
  { key: "symbol", header: "Instrument", render: (h) => h.symbol, value: (h) => h.symbol },
  { key: "qty", header: "Qty.", render: (h) => h.qty, value: (h) => h.qty, numeric: true },
];

function table(rows: Holding[], loading: boolean) {
  render(
    <MantineProvider>
      <DataTable caption="Holdings" columns={columns} rows={rows} rowKey={(h) => h.symbol} loading={loading} empty="No holdings." />
    </MantineProvider>,
  );
  return screen.getByRole("table", { name: "Holdings" });
}

describe("a table whose rows are on their way", () => {
  it("says Loading… and is busy, so its placeholder is not read as a row of data", () => {
    const t = table([], true);
    expect(t.getAttribute("aria-busy")).toBe("true");
    expect(within(t).getByText("Loading…")).toBeTruthy();
    expect(within(t).queryByText("No holdings.")).toBeNull();
  });

  it("once loaded and empty says so, and is not busy", () => {
    const t = table([], false);
    expect(t.hasAttribute("aria-busy")).toBe(false);
    expect(within(t).getByText("No holdings.")).toBeTruthy();
  });

  it("once loaded shows its rows", () => {
    const t = table([{ symbol: "INFY", qty: 10 }], false);
    expect(t.hasAttribute("aria-busy")).toBe(false);
    expect(within(t).getAllByRole("row")).toHaveLength(2); // the heading and INFY
  });
});
