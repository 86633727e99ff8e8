// An order above the freeze quantity (issue 54): the ticket reads the contract's freeze
// quantity and says how many slices the order goes in before it is sent; the orders page
// shows the sliced order as one row whose slices open under it, and "Cancel all" on that row
// cancels every working slice at once, then shows each slice's state.
import { type APIRequestContext, expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot } from "./support";

test.describe.configure({ timeout: 90_000 });

let api: APIRequestContext;
test.beforeAll(async ({}, info) => {
  api = await demoApi(String(info.project.use.baseURL));
});
test.afterAll(async () => {
  await api.dispose();
});

interface Contract { tradingsymbol: string; strike: string }
interface Chain { lot_size: number; rows: { call: Contract | null }[] }

test("a NIFTY call above the freeze quantity goes in slices, shown as one order @phone", async ({ page }, info) => {
  const chain = (await (await api.get("/api/options/underlyings/NIFTY/chain")).json()) as Chain;
  const call = chain.rows.map((r) => r.call).find((c): c is Contract => c !== null) as Contract;
  const detail = await (await api.get(`/api/instruments/NFO/${call.tradingsymbol}`)).json();
  const freeze = detail.freeze_quantity as number;
  const lot = chain.lot_size;
  const per = Math.floor(freeze / lot) * lot;
  const quantity = 2 * per + lot; // three slices

  await openSignedIn(page, api, "/orders");
  await page.getByRole("button", { name: "New order" }).click();
  const ticket = page.getByRole("dialog");
  await ticket.getByLabel("Exchange").selectOption("NFO");
  await ticket.getByLabel("Symbol").fill(call.tradingsymbol);
  await ticket.getByLabel("Product").selectOption("NRML");
  await ticket.getByLabel("Quantity", { exact: true }).fill(String(quantity));
  await ticket.getByLabel("Order type").selectOption("LIMIT");
  await ticket.getByLabel("Price", { exact: true }).fill("0.05"); // rests: every slice stays open
  await expect(ticket.getByTestId("ticket-slices")).toContainText("will go in 3 slices");
  await ticket.getByRole("button", { name: "Review charges" }).click();
  await ticket.getByRole("button", { name: "Place buy order" }).click();
  await expect(ticket.getByRole("alert")).toContainText("placed in 3 slices");
  await ticket.getByRole("button", { name: "Close", exact: true }).click();

  const phone = info.project.name === "phone";
  const toggle = page.getByRole("button", { name: /^Show the 3 slices of BUY/ }).first();
  await toggle.click();
  await expect(page.getByText("slice 3 of 3").first()).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "order-slices", phone ? "phone" : "desktop");

  // Cancel all: one confirmation, then each slice's state as the server answers it.
  await page.getByRole("button", { name: /^Cancel all slices of BUY/ }).first().click();
  const confirm = page.getByRole("dialog", { name: "Cancel all slices" });
  await expect(confirm).toContainText("Cancel 3 working slices");
  await confirm.getByRole("button", { name: "Cancel all slices" }).click();
  await expect(confirm.getByRole("status")).toContainText("3 of 3 slices are cancelled");
  const states = confirm.getByRole("table", { name: /^Slices of BUY/ });
  await expect(states.getByRole("cell", { name: "CANCELLED", exact: true })).toHaveCount(3);
  await expectAccessible(page);
  await keepScreenshot(page, "order-slices-cancelled", phone ? "phone" : "desktop");
  await confirm.getByRole("button", { name: "Done" }).click();
  // The order left the open tab: the executed one holds it, its slices still open under it.
  await page.getByRole("tab", { name: /^Executed/ }).click();
  await expect(page.getByRole("button", { name: /^Hide the 3 slices of BUY/ }).first()).toBeVisible();
  await expect(page.getByText("slice 3 of 3").first()).toBeVisible();
  await expect(page.getByText("CANCELLED").first()).toBeVisible();
});
