// One mark on every screen (issue 50): a row's P&L is its quantity times (the LTP it shows
// less the average it shows), on the dashboard and on Holdings, and one position reads the
// same on both pages. The demo's prices move, so each table is read in one go (one frame).
import { type APIRequestContext, expect, type Locator, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi } from "./support";

interface Portfolio { id: number; name: string }
type Row = Record<string, string>;

let api: APIRequestContext;
test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});
test.afterAll(async () => {
  await api.dispose();
});

/** A figure as the page prints it: ₹1,23,456.78, signed (+/−/-) or not. */
const figure = (text: string) => Number(text.replace(/[₹,+\s]/g, "").replace("−", "-"));

/** The table's body rows, each cell under its column's heading, read at one instant. */
async function readRows(table: Locator): Promise<Row[]> {
  return table.evaluate((t) => {
    const heads = [...t.querySelectorAll("thead th")].map((h) => h.textContent?.trim() ?? "");
    return [...t.querySelectorAll("tbody tr")].map((tr) =>
      Object.fromEntries([...tr.children].map((cell, i) => [heads[i] ?? String(i), cell.textContent?.trim() ?? ""])),
    );
  });
}

function cell(row: Row, heading: string): string {
  const key = Object.keys(row).find((k) => k.startsWith(heading));
  if (key === undefined) throw new Error(`no column ${heading} in ${Object.keys(row).join(", ")}`);
  return row[key] as string;
}

/** Each row's P&L against quantity × (LTP − average), to within the rounding of what is shown. */
function expectMarked(rows: Row[], quantity: (r: Row) => number, average: string, symbol: (r: Row) => string) {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const held = quantity(row);
    const expected = held * (figure(cell(row, "LTP")) - figure(cell(row, average)));
    // the average is shown to the paisa: its rounding moves the product by at most held × ₹0.005
    expect(Math.abs(figure(cell(row, "P&L")) - expected), `${symbol(row)}: ${JSON.stringify(row)}`)
      .toBeLessThanOrEqual(held * 0.005 + 0.011);
  }
}

test("a position's P&L is the row's quantity × (LTP − average) on the dashboard and on Holdings", async ({ page }) => {
  const portfolios = (await (await api.get("/api/model/portfolios")).json()) as Portfolio[];
  const v1 = portfolios.find((p) => p.name.startsWith("V1 ")) as Portfolio;
  await openSignedIn(page, api, `/dashboard?portfolio=${v1.id}`);
  const board = page.getByRole("table", { name: `Open positions of ${v1.name}` });
  await expect(board.getByRole("row").nth(1)).toBeVisible();
  const dashboard = await readRows(board);
  expectMarked(dashboard, (r) => figure(cell(r, "Qty")), "Avg", (r) => cell(r, "Symbol"));
  // the board's Unrealised is the sum of its rows as they are shown
  const shown = await board.evaluate((t) => {
    const rows = [...t.querySelectorAll("tbody tr")].map((tr) => tr.children);
    const heads = [...t.querySelectorAll("thead th")].map((h) => h.textContent?.trim() ?? "");
    const pnl = heads.findIndex((h) => h.startsWith("P&L"));
    const total = document.querySelector('[data-testid="unrealised"]')?.textContent ?? "";
    return { pnls: rows.map((cells) => cells[pnl]?.textContent ?? ""), total };
  });
  const sum = shown.pnls.reduce((s, text) => s + figure(text), 0);
  expect(Math.abs(figure(shown.total) - sum)).toBeLessThanOrEqual(0.011);

  await openSignedIn(page, api, `/holdings?book=portfolio:${v1.id}`);
  const holdings = page.getByRole("table", { name: "Holdings" });
  await expect(holdings.getByRole("row").nth(1)).toBeVisible();
  const held = await readRows(holdings);
  expectMarked(held, (r) => figure(cell(r, "Qty.")) + figure(cell(r, "T1 qty.")), "Avg. cost", (r) => cell(r, "Instrument"));
  // one position, one average and one quantity on both pages
  for (const row of dashboard) {
    const symbol = cell(row, "Symbol");
    const same = held.find((h) => cell(h, "Instrument").split(" ")[0] === symbol);
    expect(same, `${symbol} on Holdings`).toBeDefined();
    expect(figure(cell(same as Row, "Qty.")) + figure(cell(same as Row, "T1 qty."))).toBe(figure(cell(row, "Qty")));
    expect(figure(cell(same as Row, "Avg. cost")), symbol).toBe(figure(cell(row, "Avg")));
  }
});
