import { type APIRequestContext, type Page, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot, nextPageRead } from "./support";

type Row = Record<string, unknown>;
type Margins = { equity: { net: number; available: { cash: number } } };

// Each test walks several pages against a live server on a shared machine.
test.describe.configure({ timeout: 60_000 });

// One API sign-in for the file (the API allows five a minute); the browser shares its session.
let api: APIRequestContext;
test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});
test.afterAll(async () => {
  await api.dispose();
});

/** ₹ figures as the page shows them (Indian grouping, two decimals). */
const rupees = (n: number) =>
  `₹${new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)}`;

/** A marketable limit for a buy: 1% over the last price, whole rupees (on every tick grid). */
async function marketableLimit(api: APIRequestContext, symbol: string): Promise<number> {
  const res = await api.post("/api/orders/preview", {
    data: { exchange: "NSE", tradingsymbol: symbol, transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "MARKET" },
  });
  expect(res.ok()).toBeTruthy();
  const price = (await res.json()).price as number;
  return Math.ceil(price * 1.01);
}

async function fillTicket(page: Page, symbol: string, quantity: string, price: string) {
  const ticket = page.getByRole("dialog");
  await ticket.getByLabel("Symbol").fill(symbol);
  await ticket.getByLabel("Quantity", { exact: true }).fill(quantity);
  await ticket.getByLabel("Order type").selectOption("LIMIT");
  await ticket.getByLabel("Price", { exact: true }).fill(price);
  return ticket;
}

test("places an order from the ticket (key B) and sees it in orders, positions and funds", async ({ page }, info) => {
  const limit = await marketableLimit(api, "INFY");
  await openSignedIn(page, api, "/orders");
  await expectAccessible(page);

  await page.keyboard.press("b");
  const ticket = await fillTicket(page, "INFY", "3", String(limit));
  await expect(ticket.getByText("Buy INFY")).toBeVisible();
  await ticket.getByRole("button", { name: "Review charges" }).click();

  // The confirmation shows the API's preview of this very order.
  const body = { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 3, product: "CNC", order_type: "LIMIT", price: String(limit) };
  const preview = await (await api.post("/api/orders/preview", { data: body })).json();
  await expect(ticket.getByTestId("charges-total")).toHaveText(rupees(preview.charges.total));
  await expect(ticket.getByTestId("margin-required")).toHaveText(rupees(preview.margin_required));
  for (const [label, key] of [["Brokerage", "brokerage"], ["STT", "stt"], ["Stamp duty", "stamp_duty"], ["GST", "gst"]] as const) {
    await expect(ticket.getByRole("row", { name: new RegExp(`^${label}`) })).toContainText(rupees(preview.charges[key]));
  }
  await expectAccessible(page);
  await keepScreenshot(page, "ticket", info.project.name);

  await ticket.getByRole("button", { name: "Place buy order" }).click();
  await expect(ticket.getByRole("alert")).toContainText(/Order complete/i);
  await ticket.getByRole("button", { name: "Close", exact: true }).click();

  const orders = (await (await api.get("/api/portfolio/orders")).json()) as Row[];
  const mine = orders.find((o) => o.quantity === 3 && o.price === limit && o.status === "COMPLETE");
  expect(mine).toBeTruthy();
  const orderId = String(mine?.order_id);

  // Orders: executed tab, with the API's average price; its history of states.
  await page.getByRole("tab", { name: /Executed/ }).click();
  const row = page.getByRole("row", { name: new RegExp(`INFY`) }).filter({ hasText: rupees(Number(mine?.average_price)) });
  await expect(row.first()).toBeVisible();
  await page.getByRole("button", { name: `History of BUY INFY ${orderId}` }).click();
  await expect(page.getByRole("table", { name: "Order history" })).toContainText("COMPLETE");
  await page.keyboard.press("Escape");
  await expectAccessible(page);
  await keepScreenshot(page, "orders", info.project.name);

  // Positions: the API's quantity and P&L.
  await page.getByRole("link", { name: "Positions" }).click();
  await expect(page).toHaveURL(/\/positions$/);
  // The URL moves before the page does: the orders table's rows stay on screen until the
  // positions render (its rows match the row below too).
  await expect(page.getByRole("button", { name: "Exit INFY CNC" })).toBeVisible();
  const positions = (await (await api.get("/api/portfolio/positions")).json()).net as Row[];
  const infy = positions.find((p) => p.tradingsymbol === "INFY" && p.product === "CNC") as Row;
  const posRow = page.getByRole("row", { name: /^Manual .*INFY NSE/ }).filter({ hasText: "CNC" });
  await expect(posRow).toContainText(rupees(Number(infy.average_price)));
  await expectAccessible(page);
  await keepScreenshot(page, "positions", info.project.name);

  // Exit opens the ticket with the opposite side and the open quantity.
  await page.getByRole("button", { name: "Exit INFY CNC" }).click();
  const exit = page.getByRole("dialog");
  await expect(exit.getByText("Sell INFY")).toBeVisible();
  await expect(exit.getByLabel("Quantity", { exact: true })).toHaveValue(String(infy.quantity));
  await page.keyboard.press("Escape");
  await expect(exit).toBeHidden();
  // S on a selected row opens a sell ticket for its instrument, as on Kite.
  await posRow.first().getByRole("cell").first().click();
  await page.keyboard.press("s");
  await expect(page.getByRole("dialog").getByText("Sell INFY")).toBeVisible();
  await page.keyboard.press("Escape");

  // Holdings and funds: the API's figures (cash paid the order's value and its charges).
  await page.getByRole("link", { name: "Holdings" }).click();
  await expect(page.getByRole("row", { name: /^Manual INFY NSE/ })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "holdings", info.project.name);

  await page.getByRole("link", { name: "Funds" }).click();
  // The net margin moves with prices and the demo's portfolios spend cash meanwhile: the page
  // must show what its own read of the account's margins answered.
  await expect(async () => {
    const { equity: margins } = await nextPageRead<Margins>(page, "/api/portfolio/margins");
    await expect(page.getByTestId("available-margin")).toHaveText(rupees(margins.net), { timeout: 1_000 });
    await expect(page.getByRole("row", { name: /^Cash now/ })).toContainText(rupees(margins.available.cash), {
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });
  await expectAccessible(page);
  await keepScreenshot(page, "funds", info.project.name);
});

test("with the kill switch on, the ticket shows the refusal", async ({ page }) => {
  const limit = await marketableLimit(api, "TCS");
  expect((await api.post("/api/risk/kill-switch", { data: { on: true } })).ok()).toBeTruthy();
  try {
    await openSignedIn(page, api, "/orders");
    await page.getByRole("button", { name: "New order" }).click();
    const ticket = await fillTicket(page, "TCS", "1", String(limit));
    await ticket.getByRole("button", { name: "Review charges" }).click();
    await ticket.getByRole("button", { name: "Place buy order" }).click();
    const alert = ticket.getByRole("alert");
    await expect(alert).toContainText("Order rejected");
    await expect(alert).toContainText("kill switch");
    await expectAccessible(page);
  } finally {
    expect((await api.post("/api/risk/kill-switch", { data: { on: false } })).ok()).toBeTruthy();
  }
});

test("a 422 from the API shows on its field; a resting order is modified and cancelled", async ({ page }) => {
  const far = Math.floor((await marketableLimit(api, "INFY")) * 0.8);
  await openSignedIn(page, api, "/orders");
  await page.getByRole("button", { name: "New order" }).click();
  // Off the tick grid: only the API knows the instrument's tick, and names the field.
  const ticket = await fillTicket(page, "INFY", "2", `${far}.03`);
  await ticket.getByRole("button", { name: "Review charges" }).click();
  const price = ticket.getByLabel("Price", { exact: true });
  await expect(price).toHaveAttribute("aria-invalid", "true");
  await expect(ticket.getByText(/tick/i).first()).toBeVisible();

  await price.fill(String(far));
  await ticket.getByRole("button", { name: "Review charges" }).click();
  await ticket.getByRole("button", { name: "Place buy order" }).click();
  await expect(ticket.getByRole("alert")).toContainText(/Order open/i);
  await ticket.getByRole("button", { name: "Close", exact: true }).click();

  const open = ((await (await api.get("/api/portfolio/orders")).json()) as Row[]).find((o) => o.status === "OPEN" && o.price === far);
  const id = String(open?.order_id);
  await page.getByRole("button", { name: `Modify BUY INFY ${id}` }).click();
  const modify = page.getByRole("dialog");
  await modify.getByLabel("Quantity", { exact: true }).fill("4");
  await modify.getByRole("button", { name: "Modify order" }).click();
  await expect(modify).toBeHidden();
  await expect.poll(async () => {
    const rows = (await (await api.get("/api/portfolio/orders")).json()) as Row[];
    return rows.find((o) => o.order_id === id)?.quantity;
  }).toBe(4);

  await page.getByRole("button", { name: `Cancel BUY INFY ${id}` }).click();
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText(`BUY 4 INFY at ${rupees(far)}`);
  await confirm.getByRole("button", { name: "Cancel order" }).click();
  await expect.poll(async () => {
    const rows = (await (await api.get("/api/portfolio/orders")).json()) as Row[];
    return rows.find((o) => o.order_id === id)?.status;
  }).toBe("CANCELLED");
});

test("positions work at phone width @phone", async ({ page }, info) => {
  // CNC, not MIS: the demo replays its last session around the clock, and an MIS order in
  // the replay's last ten minutes (after the 15:20 square-off) is rightly refused.
  const limit = await marketableLimit(api, "INFY");
  const placed = await api.post("/api/orders", {
    data: { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "LIMIT", price: limit },
  });
  expect(placed.ok()).toBeTruthy();
  await openSignedIn(page, api, "/positions");
  await page.locator("label", { hasText: /^Day$/ }).click();
  const phone = info.project.name === "phone";
  // the manual book's row: a worker run's INFY, in its own book, is listed beside it
  const position = phone
    ? page.getByRole("listitem", { name: "INFY NSE CNC, Manual" })
    : page.getByRole("row", { name: /INFY NSE/ }).filter({ hasText: "CNC" }).filter({ hasText: "Manual" });
  await expect(position).toBeVisible();
  const day = ((await (await api.get("/api/portfolio/positions")).json()).day as Row[]).find((p) => p.tradingsymbol === "INFY" && p.product === "CNC") as Row;
  await expect(position).toContainText(rupees(Number(day.average_price)));
  await expectAccessible(page);
  // The desktop run keeps its own positions and ticket screenshots (the first test's).
  if (phone) await keepScreenshot(page, "positions", info.project.name);
  await page.getByRole("button", { name: "Exit INFY CNC" }).click();
  const exit = page.getByRole("dialog");
  await expect(exit.getByText("Sell INFY")).toBeVisible();
  await exit.getByRole("button", { name: "Review charges" }).click();
  await expect(exit.getByTestId("charges-total")).toBeVisible();
  if (phone) await keepScreenshot(page, "ticket", info.project.name);
  await exit.getByRole("button", { name: "Place sell order" }).click();
  await expect(exit.getByRole("alert")).toContainText(/Order complete/i);
});

test("adds paper funds after a confirmation with the amount", async ({ page }) => {
  // The demo's portfolios trade in the background, so the cash moves while the test runs; the
  // day's payin moves only with deposits, and by exactly this one.
  const payin = async () => (await (await api.get("/api/portfolio/margins")).json()).equity.available.intraday_payin as number;
  const before = await payin();
  await openSignedIn(page, api, "/funds");
  await page.getByRole("button", { name: "Add funds" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Amount (₹)").fill("5000");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expect(dialog).toContainText(/Add ₹5,000\.00 to the paper account\? Cash now: ₹[\d,]+\.\d{2}\./);
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Add ₹5,000.00" }).click();
  await expect(dialog).toBeHidden();
  expect(await payin()).toBeCloseTo(before + 5000, 2);
  // the page shows it too, without a reload
  await expect(page.getByRole("table", { name: "Funds sum" }).getByRole("row", { name: /Pay-in today/ })).toContainText(rupees(before + 5000));
  await expect(page.getByTestId("available-margin")).toHaveText(/^₹[\d,]+\.\d{2}$/);
});
