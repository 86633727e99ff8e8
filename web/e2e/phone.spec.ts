// The desk on a 390 px phone: orders, GTTs, portfolios and risk read as cards (title, labelled
// fields, the status and the buttons on screen), never as a table that scrolls sideways.
import { type APIRequestContext, type Page, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot } from "./support";

let api: APIRequestContext;

test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});

/** Nothing on the page is wider than the screen (no sideways scroll). */
async function fitsTheScreen(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Every button of every card in the list lies inside its card (a row of five once ran past
 * the right edge, which the page's own width did not show). */
async function buttonsInsideTheirCards(page: Page, list: string): Promise<void> {
  const outside = await page.getByRole("list", { name: list }).evaluate((ul) =>
    [...ul.querySelectorAll("li")].flatMap((card) => {
      const edge = card.getBoundingClientRect();
      return [...card.querySelectorAll("button")]
        .filter((b) => b.getBoundingClientRect().right > edge.right + 0.5)
        .map((b) => b.textContent ?? "");
    }),
  );
  expect(outside).toEqual([]);
}

test("orders, GTTs, portfolios and risk read as cards on a phone @phone", async ({ page }, info) => {
  test.skip(info.project.name !== "phone", "the phone layout");
  test.slow(); // four pages on a shared machine
  // a resting order far below the market: it stays open, with its Modify and Cancel buttons
  const preview = await api.post("/api/orders/preview", {
    data: { exchange: "NSE", tradingsymbol: "TCS", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "MARKET" },
  });
  const below = Math.floor(((await preview.json()).price as number) * 0.97); // inside the price band
  const placed = await api.post("/api/orders", {
    data: { exchange: "NSE", tradingsymbol: "TCS", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "LIMIT", price: below },
  });
  expect(placed.ok(), await placed.text()).toBeTruthy();
  const { order_id: orderId } = (await placed.json()) as { order_id: string };

  await openSignedIn(page, api, "/orders");
  const card = page.getByRole("list", { name: "Open orders" }).getByRole("listitem").filter({ hasText: "TCS" }).first();
  await expect(card).toContainText("BUY · TCS NSE");
  await expect(card).toContainText("Status");
  await expect(card.getByRole("button", { name: /^Cancel BUY TCS/ })).toBeInViewport();
  await fitsTheScreen(page);
  await buttonsInsideTheirCards(page, "Open orders");
  await expectAccessible(page);
  await keepScreenshot(page, "orders", info.project.name);

  await openSignedIn(page, api, "/gtt");
  await fitsTheScreen(page);
  await keepScreenshot(page, "gtt", info.project.name);

  await openSignedIn(page, api, "/portfolios");
  await expect(page.getByRole("list", { name: "Model portfolios" }).getByRole("listitem").first()).toContainText("Total capital");
  await fitsTheScreen(page);
  await buttonsInsideTheirCards(page, "Model portfolios");
  await expectAccessible(page);
  await keepScreenshot(page, "portfolios", info.project.name);

  await openSignedIn(page, api, "/risk");
  await expect(page.getByRole("heading", { name: "Rules" })).toBeVisible();
  await fitsTheScreen(page);
  await expectAccessible(page);
  await keepScreenshot(page, "risk", info.project.name);

  expect((await api.delete(`/api/orders/${orderId}`)).ok()).toBeTruthy();
});
