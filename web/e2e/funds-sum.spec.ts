// Funds add up on screen (issue 63): the desk's Funds page reads available margin as a sum,
// as Kite's does: opening balance + pay-in − used margin (its debits listed) + today's
// credits = available margin. The spec reads the figures off the page and adds them.
import { type APIRequestContext, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot } from "./support";

let api: APIRequestContext;
test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});
test.afterAll(async () => {
  await api.dispose();
});

/** Paise of a rupee figure as the page prints it (₹10,13,418.76, −₹98.00). */
const paise = (text: string): number => {
  const negative = /[−-]/.test(text);
  const digits = text.replace(/[^\d.]/g, "");
  const value = Math.round(Number(digits) * 100);
  return negative ? -value : value;
};

test("Funds reads opening balance + pay-in − used margin + credits = available", async ({ page }, info) => {
  // Something to list: an intraday position (VaR) and delivery shares bought today.
  for (const product of ["MIS", "CNC"]) {
    const order = { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 10, product, order_type: "MARKET" };
    const placed = await api.post("/api/orders", { data: order });
    expect(placed.ok(), await placed.text()).toBeTruthy();
  }
  await openSignedIn(page, api, "/funds");
  const sum = page.getByRole("table", { name: "Funds sum" });
  await expect(sum.getByRole("row", { name: /Available margin/ })).toBeVisible();
  // The demo trades meanwhile: the rows are read in one go, all from one answer of the API.
  await expect(async () => {
    const rows = await sum.getByRole("row").allInnerTexts();
    const figure = (label: string): number => {
      const row = rows.find((r) => r.replace(/^[+−=]\s*/, "").startsWith(label));
      expect(row, label).toBeDefined();
      return paise(row!.slice(row!.indexOf("₹") - 1));
    };
    const opening = figure("Opening balance");
    const payin = figure("Pay-in today");
    const used = figure("Used margin");
    const credits = figure("Credits today");
    const available = figure("Available margin");
    const debits = ["Equity intraday (VaR)", "SPAN", "Exposure", "Options premium", "Delivery"].map(figure);
    expect(used).toBeGreaterThan(0);
    expect(debits.reduce((a, b) => a + b, 0)).toBe(used);
    expect(opening + payin - used + credits).toBe(available);
    // and it is the figure the page heads with
    const headline = paise(await page.getByTestId("available-margin").innerText());
    expect(headline).toBe(available);
  }).toPass({ timeout: 30_000 });
  await expectAccessible(page);
  await keepScreenshot(page, "funds-sum", info.project.name);
});
