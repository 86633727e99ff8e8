// The desk on a 390 px phone: orders, GTTs, portfolios and risk read as cards (title, labelled
// fields, the status and the buttons on screen), never as a table that scrolls sideways; each
// screenshot is taken once nothing on it is cut or crowded (`keepScreenshot` checks the
// layout: a card's row of five buttons once ran past its edge).
import { type APIRequestContext, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot } from "./support";

let api: APIRequestContext;

test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});

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
  await expectAccessible(page);
  await keepScreenshot(page, "orders", info.project.name);

  await openSignedIn(page, api, "/gtt");
  await keepScreenshot(page, "gtt", info.project.name);

  await openSignedIn(page, api, "/portfolios");
  await expect(page.getByRole("list", { name: "Model portfolios" }).getByRole("listitem").first()).toContainText("Total capital");
  await expectAccessible(page);
  await keepScreenshot(page, "portfolios", info.project.name);

  await openSignedIn(page, api, "/risk");
  await expect(page.getByRole("heading", { name: "Rules" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "risk", info.project.name);

  expect((await api.delete(`/api/orders/${orderId}`)).ok()).toBeTruthy();
});
