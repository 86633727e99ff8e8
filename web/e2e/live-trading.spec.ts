// Live trading from the browser, against the fake Kite: the user's own switch (typed LIVE),
// the ticket's Live account, and the order arriving at the broker exactly once.
import { expect, request, test } from "@playwright/test";
import { KITE, completeKiteLogin, connectKite, forgetKite, showAccount } from "./kite";
import { expectAccessible, keepScreenshot } from "./support";

test.describe.configure({ timeout: 90_000 });

test("turns live trading on, places a live order at Kite, turns it off", async ({ page, baseURL }, info) => {
  const fake = await request.newContext();
  await connectKite(page, String(baseURL));
  await completeKiteLogin(page);

  // SEBI: the static IP registered with Kite, beside the address this server sends from.
  await page.goto("/settings/brokers");
  const staticIp = page.getByRole("form", { name: "Zerodha Kite static IP" });
  await staticIp.getByLabel("Static IP registered with Zerodha Kite").fill("203.0.113.7");
  await staticIp.getByRole("button", { name: "Save static IP" }).click();
  await expect(staticIp.getByText("Static IP mismatch")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "settings-static-ip", info.project.name);

  await page.goto("/settings/live");
  const switches = page.getByLabel("Live trading switches");
  await expect(switches.getByText("This server allows it")).toBeVisible();
  await expect(switches.getByText("kite connected")).toBeVisible();
  await page.getByRole("button", { name: "Turn my live trading on…" }).click();
  const dialog = page.getByRole("dialog");
  const confirm = dialog.getByRole("button", { name: "Turn live trading on" });
  await dialog.getByLabel("Type LIVE").fill("live");
  await expect(confirm).toBeDisabled(); // exactly LIVE, nothing looser
  await dialog.getByLabel("Type LIVE").fill("LIVE");
  await confirm.click();
  await expect(dialog).toBeHidden(); // axe must not read the dialog while it fades out
  await expect(page.getByText("Live trading is on")).toBeVisible();
  await expect(page.getByLabel("Trading mode")).toHaveText("Live");
  await expectAccessible(page);
  await keepScreenshot(page, "settings-live", info.project.name);

  // The risk page measures the live book against what Kite reports.
  await page.goto("/risk");
  await page.getByText("Live book", { exact: true }).click();
  const margins = await (await page.request.get("/api/portfolio/margins")).json();
  const live = await (await page.request.get("/api/risk/state?book=live")).json();
  expect(live.book).toBe("live");
  expect(live.capital_unknown).toBeNull();
  expect(Number(live.capital)).toBeCloseTo(Number(margins.equity.net), 2);
  await expect(page.getByText("Your brokers' funds and the live orders we keep.")).toBeVisible();
  await expectAccessible(page);

  // The fake Kite's INFY sits at ₹1,500; a ₹1,510 limit buy fills there.
  expect((await fake.post(`${KITE()}/_fake/price`, { data: { "NSE:INFY": 1500 } })).ok()).toBeTruthy();
  const before = (await (await fake.get(`${KITE()}/_fake/state`)).json()).orders.length as number;
  // Kite's order book as the desk reads it; an earlier spec (live options) may have left
  // orders of its own at the fake Kite today.
  const kiteBook = async () => ((await (await page.request.get("/api/portfolio/orders")).json()) as unknown[]).length;
  const booked = await kiteBook();
  await page.goto("/orders");
  await showAccount(page, "Kite"); // the desk shows Kite's books once the trader picks them
  await page.keyboard.press("b");
  const ticket = page.getByRole("dialog");
  await ticket.getByLabel("Symbol").fill("INFY");
  await ticket.getByLabel("Quantity", { exact: true }).fill("2");
  await ticket.getByLabel("Order type").selectOption("LIMIT");
  await ticket.getByLabel("Price", { exact: true }).fill("1510");
  await ticket.getByText("Live", { exact: true }).click();
  await expect(ticket.getByText("Live: this order goes to your broker")).toBeVisible();
  await ticket.getByRole("button", { name: "Review charges" }).click();
  await expect(ticket.getByTestId("margin-available")).toBeHidden(); // Kite judges the margin
  await ticket.getByRole("button", { name: "Place live buy order" }).click();
  await expect(ticket.getByRole("alert")).toContainText(/Order (open|complete)/i);
  await keepScreenshot(page, "ticket-live", info.project.name);

  await ticket.getByRole("button", { name: "Close", exact: true }).click();
  // Kite's books on screen: the order is there, open or already filled.
  await expect.poll(kiteBook, { timeout: 20_000 }).toBe(booked + 1);
  const count = async (tab: string) =>
    Number(/\((\d+)\)/.exec((await page.getByRole("tab", { name: new RegExp(`^${tab} \\(`) }).textContent()) ?? "")?.[1] ?? -1);
  await expect.poll(async () => (await count("Open")) + (await count("Executed")), { timeout: 20_000 }).toBe(booked + 1);

  const state = await (await fake.get(`${KITE()}/_fake/state`)).json();
  const ours = (state.orders as Record<string, unknown>[]).slice(before);
  expect(ours.map((o) => [o.tradingsymbol, o.transaction_type, o.quantity])).toEqual([["INFY", "BUY", 2]]);

  await page.goto("/settings/live");
  await page.getByRole("button", { name: "Turn my live trading off" }).click();
  await expect(page.getByLabel("Trading mode")).toBeHidden(); // paper: the account switch says so
  await forgetKite(page);
  await fake.dispose();
});
