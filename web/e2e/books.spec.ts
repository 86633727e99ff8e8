import { type APIRequestContext, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot, nextPageRead } from "./support";

type Book = { book: string; label: string; cash: string; open_positions: number; positions_value: string };

test.describe.configure({ timeout: 60_000 });

let api: APIRequestContext;
test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});
test.afterAll(async () => {
  await api.dispose();
});

const rupees = (n: number) =>
  `₹${new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)}`;

test("holdings show every book under All and one book alone; Funds adds the books up", async ({ page }, info) => {
  const books = (await (await api.get("/api/portfolio/books")).json()) as Book[];
  const all = books.find((b) => b.book === "all")!;
  const parts = books.filter((b) => b.book !== "all");
  // the account is the sum of its books: a portfolio's capital is not counted twice
  const sum = parts.reduce((total, b) => total + Number(b.cash), 0);
  expect(Math.round(sum * 100)).toBe(Math.round(Number(all.cash) * 100));
  const portfolio = parts.find((b) => b.book.startsWith("portfolio:") && b.open_positions > 0)!;
  expect(portfolio).toBeTruthy();

  await openSignedIn(page, api, "/holdings");
  const table = page.getByRole("table", { name: "Holdings" });
  await expect(table.getByRole("row").filter({ hasText: portfolio.label }).first()).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "holdings-all-books", info.project.name);

  await page.getByRole("textbox", { name: "Book" }).click();
  await page.getByRole("option", { name: portfolio.label }).click();
  await expect(page).toHaveURL(new RegExp(`book=${encodeURIComponent(portfolio.book)}`));
  const own = (await (await api.get(`/api/portfolio/holdings?book=${portfolio.book}`)).json()) as unknown[];
  await expect(table.getByRole("row")).toHaveCount(own.length + 1); // the header row and its holdings

  await page.getByRole("link", { name: "Funds" }).click();
  const booksTable = page.getByRole("table", { name: "Books" });
  // The demo's portfolios trade meanwhile, so cash read at the start can have moved: the
  // table must show what the page's own read of the books answered.
  await expect(async () => {
    const now = await nextPageRead<Book[]>(page, "/api/portfolio/books");
    const total = now.find((b) => b.book === "all")!;
    const mine = now.find((b) => b.book === portfolio.book)!;
    await expect(booksTable.getByRole("row", { name: /^All books/ })).toContainText(rupees(Number(total.cash)), {
      timeout: 1_000,
    });
    await expect(booksTable.getByRole("row", { name: new RegExp(`^${portfolio.label}`) })).toContainText(
      rupees(Number(mine.cash)),
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
  await expectAccessible(page);
  await keepScreenshot(page, "funds-books", info.project.name);
});

test("B on a row selected with a click opens the ticket for it, wherever the focus is", async ({ page }) => {
  await openSignedIn(page, api, "/market");
  const row = page.getByRole("row", { name: /INFY NSE/ }).first();
  await row.getByRole("cell").nth(1).click(); // the LTP cell: selects the row
  await page.getByRole("heading", { level: 1 }).click(); // the focus leaves the table
  await page.keyboard.press("b");
  await expect(page.getByRole("dialog").getByText("Buy INFY")).toBeVisible();
  await page.keyboard.press("Escape");
});

test("a ticket buy shows under All and under its own book, not another's; Risk counts the books' positions", async ({ page }) => {
  const preview = await api.post("/api/orders/preview", {
    data: { exchange: "NSE", tradingsymbol: "WIPRO", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "MARKET" },
  });
  const limit = Math.ceil(((await preview.json()).price as number) * 1.01);
  const bought = await api.post("/api/orders", {
    data: { exchange: "NSE", tradingsymbol: "WIPRO", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "LIMIT", price: limit },
  });
  expect(bought.ok(), await bought.text()).toBeTruthy();
  const books = (await (await api.get("/api/portfolio/books")).json()) as Book[];
  const portfolio = books.find((b) => b.book.startsWith("portfolio:") && b.open_positions > 0)!;
  const manual = books.find((b) => b.book === "manual")!;

  // every paper book together (no broker connected: "This account"), each row naming its book
  await openSignedIn(page, api, "/positions");
  const table = page.getByRole("table", { name: "Net positions" });
  await expect(table.getByRole("row").filter({ hasText: "WIPRO" }).filter({ hasText: "Manual" })).toHaveCount(1);
  // the portfolio's book alone: today's ticket buy is not in it; the manual book alone: it is
  await page.getByRole("textbox", { name: "Book" }).click();
  await page.getByRole("option", { name: portfolio.label, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`book=${encodeURIComponent(portfolio.book)}`));
  await expect(table.getByRole("row").filter({ hasText: "WIPRO" })).toHaveCount(0);
  await page.getByRole("textbox", { name: "Book" }).click();
  await page.getByRole("option", { name: manual.label, exact: true }).click();
  await expect(table.getByRole("row").filter({ hasText: "WIPRO" })).toHaveCount(1);

  // the risk desk counts the open positions the books hold, nothing twice
  const open = ((await (await api.get("/api/portfolio/books")).json()) as Book[]).find((b) => b.book === "all")!.open_positions;
  const state = (await (await api.get("/api/risk/state")).json()) as { open_positions: number };
  expect(state.open_positions).toBe(open);
  await openSignedIn(page, api, "/risk");
  await expect(page.getByText("Open positions", { exact: true }).locator("xpath=..")).toContainText(String(open));
});
