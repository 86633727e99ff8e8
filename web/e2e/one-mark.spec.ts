// One mark on every screen (issue 50): a row's P&L is its quantity times (the LTP it shows
// less the average it shows), on the dashboard and on Holdings, and one position reads the
// same on both pages. The demo's prices move, so each table is read in one go (one frame).
import { type APIRequestContext, expect, type Locator, type Page, request, test } from "@playwright/test";
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

/** The table's body rows, each cell under its column's heading, read at one instant, once
 * its data are in (while `aria-busy` its one row is the "Loading…" placeholder, a single cell). */
async function readRows(table: Locator): Promise<Row[]> {
  await expect(table).not.toHaveAttribute("aria-busy");
  return table.evaluate((t) => {
    const heads = [...t.querySelectorAll("thead th")].map((h) => h.textContent?.trim() ?? "");
    return [...t.querySelectorAll("tbody tr")].map((tr) =>
      Object.fromEntries([...tr.children].map((cell, i) => [heads[i] ?? String(i), cell.textContent?.trim() ?? ""])),
    );
  });
}

/** An instrument's name as a cell reads it, without its exchange tag ("INFY NSE" → "INFY"). */
const bare = (text: string) => text.replace(/\s*(NSE|BSE|NFO|BFO)$/, "").trim();

function cell(row: Row, heading: string): string {
  const key = Object.keys(row).find((k) => k.startsWith(heading));
  if (key === undefined) throw new Error(`no column ${heading} in ${Object.keys(row).join(", ")}`);
  return row[key] as string;
}

/** A totals strip's figure against the sum of its table's column, read in one frame. */
async function expectTotal(page: Page, tableName: string, column: string, strip: string, label: string) {
  await expect(async () => {
    const shown = await page.evaluate(([t, c, st, l]) => {
      const table = document.querySelector(`table[aria-label="${t}"]`) ?? [...document.querySelectorAll("table")].find((x) => x.querySelector("caption")?.textContent === t);
      const heads = [...(table?.querySelectorAll("thead th") ?? [])].map((h) => h.textContent?.trim() ?? "");
      const at = heads.findIndex((h) => h.startsWith(c as string));
      const cells = [...(table?.querySelectorAll("tbody tr") ?? [])].map((tr) => tr.children[at]?.textContent ?? "");
      const group = document.querySelector(`section[aria-label="${st}"] [aria-label="${l}"]`);
      return { cells, total: group?.querySelector("p:last-child .num")?.textContent ?? "" };
    }, [tableName, column, strip, label]);
    expect(shown.cells.length).toBeGreaterThan(0);
    const sum = shown.cells.reduce((s, text) => s + figure(text), 0);
    expect(Math.abs(figure(shown.total) - sum), `${label} ${shown.total} against ${sum}`).toBeLessThanOrEqual(0.005 * shown.cells.length + 1e-6);
  }).toPass({ timeout: 20_000 });
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
  // Kite's summary over the table is the sum of its rows as they are shown
  await expectTotal(page, "Holdings", "P&L", "Holdings totals", "Total P&L");
  // one position, one average and one quantity on both pages
  for (const row of dashboard) {
    const symbol = cell(row, "Symbol");
    const same = held.find((h) => cell(h, "Instrument").split(" ")[0] === symbol);
    expect(same, `${symbol} on Holdings`).toBeDefined();
    expect(figure(cell(same as Row, "Qty.")) + figure(cell(same as Row, "T1 qty."))).toBe(figure(cell(row, "Qty")));
    expect(figure(cell(same as Row, "Avg. cost")), symbol).toBe(figure(cell(row, "Avg")));
  }
});

interface Card { id: number; strategy_run_id: string }
interface BookRow { book: string; label: string; open_positions: number }
interface Kite { tradingsymbol: string; product: string; quantity: number; realised: number }

/** One table's rows (or one figure list) by its accessible name, read in one frame. */
const table = (page: Page, name: string) => page.getByRole("table", { name, exact: true });

/** A label/amount table's figures (Funds' "Utilised"), by label. */
async function figures(list: Locator): Promise<Record<string, number>> {
  const rows = await list.evaluate((t) =>
    [...t.querySelectorAll("tr")].map((tr) => [tr.querySelector("th")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]),
  );
  return Object.fromEntries(rows.map(([label, value]) => [(label ?? "").trim(), figure(value ?? "")]));
}

/** Shown to the paisa: each shown figure is within half a paisa of its exact value. */
const nearly = (a: number, b: number, terms = 1) => Math.abs(a - b) <= 0.005 * terms + 1e-6;

test("a worker run's page, Positions, Funds, Risk and the top bar tell one figure at one mark", async ({ page }) => {
  test.slow();
  // a worker run that buys, sells part and buys again (one average, not a moving one), and a
  // manual round trip: realised P&L in two books
  const created = await api.post("/api/algo-workers/tokens", { data: { name: `views ${Date.now()}` } });
  expect(created.ok(), await created.text()).toBeTruthy();
  const { token } = (await created.json()) as { token: string };
  const worker = await request.newContext({ baseURL: String(test.info().project.use.baseURL), extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const runKey = `run_views_${Date.now()}`;
  const w = (path: string, data: unknown) => worker.post(`/api/algo-workers/worker${path}`, { data });
  expect((await w("/runs", { template_id: "basic-equity", account_scope: "kite:paper-a", execution_mode: "paper", strategy_run_id: runKey })).ok()).toBeTruthy();
  const leg = (side: string, quantity: number) => ({
    exchange: "NSE", tradingsymbol: "INFY", transaction_type: side, variety: "regular", product: "MIS", order_type: "MARKET", quantity, validity: "DAY",
  });
  const ltp = async () => {
    const answer = await w("/market/quotes", { symbols: ["NSE:INFY"], mode: "ltp" });
    return ((await answer.json()) as { quotes: { last_price: number }[] }).quotes[0]?.last_price;
  };
  for (const [i, [side, quantity]] of ([["BUY", 10], ["SELL", 4], ["BUY", 3]] as const).entries()) {
    const before = await ltp();
    const placed = await w(`/runs/${runKey}/intents`, { intent_type: "place_order", payload: { order: leg(side, quantity) }, idempotency_key: `${runKey}:${i}`, metadata: {} });
    expect(placed.ok(), await placed.text()).toBeTruthy();
    await expect.poll(ltp, { timeout: 15_000 }).not.toBe(before); // each fill at its own price
  }
  await worker.dispose();
  for (const [side, quantity] of [["BUY", 5], ["SELL", 2]] as const) {
    const placed = await api.post("/api/orders", { data: { exchange: "NSE", tradingsymbol: "TCS", transaction_type: side, variety: "regular", product: "MIS", order_type: "MARKET", quantity, validity: "DAY" } });
    expect(placed.ok(), await placed.text()).toBeTruthy();
  }
  const cards = (await (await api.get("/api/algo-workers/runs")).json()) as Card[];
  const run = cards.find((c) => c.strategy_run_id === runKey) as Card;
  const book = `run:${run.id}`;
  const label = ((await (await api.get("/api/portfolio/books")).json()) as BookRow[]).find((b) => b.book === book)?.label;
  // what closed does not move with the ticks: the run's book's realised, per position
  const realised = ((await (await api.get(`/api/portfolio/positions?book=${book}`)).json()) as { net: Kite[] }).net;

  // the run's page: each leg's open P&L is qty × (LTP − average), its booked P&L its position's
  await openSignedIn(page, api, `/workers/runs/${run.id}`);
  await expect(table(page, "Legs").getByRole("row")).toHaveCount(2);
  const legs = await readRows(table(page, "Legs"));
  for (const row of legs) {
    const held = figure(cell(row, "Net qty"));
    expect(Math.abs(figure(cell(row, "Open P&L")) - held * (figure(cell(row, "LTP")) - figure(cell(row, "Avg price")))))
      .toBeLessThanOrEqual(Math.abs(held) * 0.005 + 0.011);
    const position = realised.find((p) => p.tradingsymbol === bare(cell(row, "Symbol"))) as Kite;
    expect(nearly(figure(cell(row, "Booked P&L")), position.realised), JSON.stringify(row)).toBeTruthy();
  }

  // Positions of the run's book: the same quantity and average, P&L = realised + qty × (LTP − avg)
  await openSignedIn(page, api, `/positions?book=${book}`);
  await expect(table(page, "Net positions").getByRole("row")).toHaveCount(2);
  const rows = await readRows(table(page, "Net positions"));
  await expectTotal(page, "Net positions", "P&L", "Positions totals", "Total P&L");
  await expectTotal(page, "Net positions", "M2M", "Positions totals", "M2M today");
  for (const row of rows) {
    const same = legs.find((l) => bare(cell(l, "Symbol")) === bare(cell(row, "Instrument"))) as Row;
    expect(figure(cell(row, "Qty.")), "one quantity").toBe(figure(cell(same, "Net qty")));
    expect(figure(cell(row, "Avg.")), "one average").toBe(figure(cell(same, "Avg price")));
    const held = figure(cell(row, "Qty."));
    const booked = (realised.find((p) => p.tradingsymbol === bare(cell(row, "Instrument"))) as Kite).realised;
    expect(Math.abs(figure(cell(row, "P&L")) - booked - held * (figure(cell(row, "LTP")) - figure(cell(row, "Avg.")))))
      .toBeLessThanOrEqual(Math.abs(held) * 0.005 + 0.011);
  }

  // Funds: the books add up to All; its realised is the run page's; the top bar is its M2M
  await openSignedIn(page, api, "/funds");
  const books = table(page, "Books");
  await expect(books.getByRole("row").nth(2)).toBeVisible();
  await expect(async () => {
    const shown = await readRows(books);
    const all = shown.find((r) => cell(r, "Book") === "All books") as Row;
    const parts = shown.filter((r) => r !== all);
    for (const column of ["Cash", "Positions value", "Realised today", "Unrealised"]) {
      const sum = parts.reduce((s, r) => s + figure(cell(r, column)), 0);
      expect(nearly(sum, figure(cell(all, column)), parts.length + 1), `${column}: ${sum}`).toBeTruthy();
    }
    const runRow = parts.find((r) => cell(r, "Book") === label) as Row;
    const booked = legs.reduce((s, l) => s + figure(cell(l, "Booked P&L")), 0);
    expect(nearly(figure(cell(runRow, "Realised today")), booked, legs.length)).toBeTruthy();
    const m2m = await figures(table(page, "Utilised"));
    expect(m2m["Realised M2M today"]).toBe(figure(cell(all, "Realised today")));
    const today = figure((await page.getByTestId("pnl-today").textContent()) ?? "");
    expect(nearly(today, (m2m["Realised M2M today"] ?? NaN) + (m2m["Unrealised M2M today"] ?? NaN), 2), "top bar").toBeTruthy();
  }).toPass({ timeout: 20_000 }); // the marks move: a tick between two reads of one beat is read again

  // Risk: its P&L today is the top bar's, its open positions the books'
  await openSignedIn(page, api, "/risk");
  const open = ((await (await api.get("/api/portfolio/books")).json()) as BookRow[]).find((b) => b.book === "all") as BookRow;
  await expect(async () => {
    const shown = await page.evaluate(() => {
      const card = (label: string) =>
        [...document.querySelectorAll("main p")].find((p) => p.textContent === label)?.nextElementSibling?.textContent ?? "";
      return { pnl: card("P&L today"), positions: card("Open positions"), top: document.querySelector('[data-testid="pnl-today"]')?.textContent ?? "" };
    });
    expect(figure(shown.pnl)).toBe(figure(shown.top));
    expect(Number(shown.positions)).toBe(open.open_positions);
  }).toPass({ timeout: 20_000 });
});
