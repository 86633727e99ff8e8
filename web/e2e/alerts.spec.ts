import { expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, expectLaidOut, keepScreenshot } from "./support";

type Row = Record<string, unknown>;

// The demo's feed ticks every second: an alert whose rule always holds fires on the next tick.
test.describe.configure({ timeout: 90_000 });

test("sets an alert from the market watch, then approves the order a fire holds", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL as string);
  await openSignedIn(page, api, "/market");
  await page.getByRole("link", { name: "Alert on INFY" }).click();
  await page.waitForURL((url) => url.pathname === "/alerts");
  const dialog = page.getByRole("dialog", { name: "New alert" });
  await expect(dialog.getByRole("textbox", { name: "Symbol" })).toHaveValue("NSE:INFY");
  await dialog.getByLabel("Price (₹)").fill("99999");
  await expect(dialog).toContainText("Price crosses above ₹99,999.00, on INFY.");
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Create alert" }).click();
  await expect(dialog).toBeHidden();
  const alerts = page.getByRole("table", { name: "Alerts" });
  await expect(alerts.getByRole("row", { name: /Price crosses above ₹99,999\.00/ })).toBeVisible();

  // A rule that holds on every tick, with an order that waits for approval (made through
  // the API: the form's sentences are crosses, which wait for a minute to close below)
  const made = await api.post("/api/alerts", {
    data: {
      name: "INFY trades",
      symbol: "NSE:INFY",
      condition: { type: "compare", left: { type: "indicator", name: "close" }, op: ">", right: { type: "literal", value: 0 } },
      order: { transaction_type: "BUY", quantity: 1 },
      order_action: "confirm",
      confirm_within_mins: 30,
    },
  });
  expect(made.status()).toBe(201);
  const alertId = Number(((await made.json()) as Row).id);
  await expect
    .poll(async () => ((await (await api.get(`/api/alerts/fires?alert_id=${alertId}`)).json()) as Row[]).length, { timeout: 30_000 })
    .toBe(1);
  const fire = ((await (await api.get(`/api/alerts/fires?alert_id=${alertId}`)).json()) as Row[])[0] as Row;
  await page.reload();
  const history = page.getByRole("table", { name: "Alert history" });
  const price = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(fire.price));
  const row = history.getByRole("row", { name: /INFY trades/ });
  await expect(row).toContainText(`₹${price}`);
  await expect(row).toContainText("Waiting for your approval");
  await expectAccessible(page);
  await expectLaidOut(page, "alerts");
  await keepScreenshot(page, "alerts", info.project.name);

  await page.getByRole("button", { name: `Approve the order of INFY at ₹${price}` }).click();
  await expect(row).not.toContainText("Waiting for your approval");
  const decided = ((await (await api.get(`/api/alerts/fires?alert_id=${alertId}`)).json()) as Row[])[0] as Row;
  expect(["placed", "rejected", "refused"]).toContain(decided.order_status);
  if (decided.order_status === "placed") await expect(row).toContainText("Order placed");
  await api.delete(`/api/alerts/${alertId}`);
  await api.dispose();
});

test("makes a TradingView webhook: its secret is shown once", async ({ page, baseURL }) => {
  const api = await demoApi(baseURL as string);
  await openSignedIn(page, api, "/alerts");
  await page.getByRole("button", { name: "New webhook" }).click();
  const dialog = page.getByRole("dialog", { name: "New webhook" });
  await dialog.getByLabel("Name").fill("TradingView strategy");
  await dialog.getByRole("button", { name: "Create webhook" }).click();
  const ready = page.getByRole("dialog", { name: "TradingView strategy is ready" });
  await expect(ready.getByRole("textbox", { name: "Signing secret" })).toHaveValue(/^whsec_/);
  await expect(ready.getByRole("textbox", { name: "URL" })).toHaveValue(/\/api\/hooks\/wh_/);
  const secret = await ready.getByRole("textbox", { name: "Signing secret" }).inputValue();
  await expectAccessible(page);
  await ready.getByRole("button", { name: "Close dialog" }).click();
  const row = page.getByRole("table", { name: "Webhooks" }).getByRole("row", { name: /TradingView strategy/ });
  await expect(row).toContainText("Signed");
  const hooks = (await (await api.get("/api/webhooks")).json()) as Row[];
  expect(hooks.every((h) => !("secret" in h))).toBe(true);
  await expectLaidOut(page, "alerts with a webhook");
  // its template edited here: a refusal shows on its field, then a fixed one is kept
  await row.getByRole("button", { name: "Template of TradingView strategy" }).click();
  const editor = page.getByRole("dialog", { name: "Template of TradingView strategy" });
  await expect(editor.getByRole("textbox", { name: "Symbol" })).toHaveValue("{{ticker}}");
  await editor.getByRole("textbox", { name: "Product" }).fill("DELIVERY");
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(editor.getByRole("textbox", { name: "Product" })).toHaveAttribute("aria-invalid", "true");
  await expect(editor).toContainText("one of CNC, MIS, NRML");
  await editor.getByRole("textbox", { name: "Product" }).fill("CNC");
  await editor.getByText("Amount (₹)", { exact: true }).click();
  await editor.getByRole("textbox", { name: "Amount (₹)" }).fill("5000");
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(editor).toBeHidden();
  const edited = ((await (await api.get("/api/webhooks")).json()) as Row[]).find((h) => h.name === "TradingView strategy") as Row;
  expect(edited.template).toMatchObject({ product: "CNC", amount: "5000", symbol: "{{ticker}}" });
  expect(edited.template).not.toHaveProperty("quantity");
  // a new signing secret, asked first and shown once
  await row.getByRole("button", { name: "New secret for TradingView strategy" }).click();
  const rotating = page.getByRole("dialog", { name: "New signing secret" });
  await expect(rotating).toContainText("refused from now on");
  await rotating.getByRole("button", { name: "Make a new secret" }).click();
  const renewed = page.getByRole("dialog", { name: "TradingView strategy is ready" });
  const fresh = renewed.getByRole("textbox", { name: "Signing secret" });
  await expect(fresh).toHaveValue(/^whsec_/);
  expect(await fresh.inputValue()).not.toBe(secret);
  await renewed.getByRole("button", { name: "Close dialog" }).click();
  // deleting asks first (its URL stops answering, and the senders' alerts with it)
  await row.getByRole("button", { name: "Delete TradingView strategy" }).click();
  const asking = page.getByRole("dialog", { name: "Delete webhook" });
  await expect(asking).toContainText("TradingView strategy");
  await asking.getByRole("button", { name: "Keep" }).click();
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Delete TradingView strategy" }).click();
  await asking.getByRole("button", { name: "Delete webhook" }).click();
  await expect(row).toBeHidden();
  await api.dispose();
});

test("attaches a basket to an alert and sees its margin before saving @phone", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL as string);
  await openSignedIn(page, api, "/alerts");
  await page.getByRole("button", { name: "New alert" }).click();
  const dialog = page.getByRole("dialog", { name: "New alert" });
  await dialog.getByRole("textbox", { name: "Symbol" }).fill("NSE:INFY");
  await dialog.getByLabel("Price (₹)").fill("99999");
  await dialog.getByLabel("Name").fill("INFY breakout pair");
  await dialog.getByRole("checkbox", { name: /Attach an order/ }).check();
  await dialog.getByText("A basket", { exact: true }).click();
  const legs = dialog.getByRole("group", { name: "Basket legs" });
  // leg 1 trades the alert's symbol; leg 2 is found by search and sold intraday
  const leg2 = legs.getByRole("group", { name: "Leg 2" });
  await leg2.getByRole("textbox", { name: "Leg 2 symbol" }).fill("TCS");
  await page.getByRole("option", { name: /^TCS/ }).first().click();
  await expect(leg2.getByRole("textbox", { name: "Leg 2 symbol" })).toHaveValue("NSE:TCS");
  await leg2.getByRole("combobox", { name: "Leg 2 side" }).selectOption("SELL");
  await leg2.getByRole("combobox", { name: "Leg 2 product" }).selectOption("MIS");
  await legs.getByRole("button", { name: "Add a leg" }).click();
  await expect(legs.getByRole("group", { name: /^Leg \d$/ })).toHaveCount(3);
  await legs.getByRole("button", { name: "Remove leg 3" }).click();
  await expect(legs.getByRole("group", { name: /^Leg \d$/ })).toHaveCount(2);
  // the API's estimate of the two legs together, in Indian grouping
  const margin = legs.getByRole("group", { name: "Basket margin" });
  await expect(margin).toContainText(/Margin needed \(estimate\)₹[\d,]+\.\d\d/);
  await expect(margin).toContainText(/Available₹[\d,]+\.\d\d/);
  await expectAccessible(page);
  await keepScreenshot(page, "alert-basket", info.project.name);

  await dialog.getByRole("button", { name: "Create alert" }).click();
  await expect(dialog).toBeHidden();
  const made = ((await (await api.get("/api/alerts")).json()) as Row[]).find((a) => a.name === "INFY breakout pair") as Row;
  const stored = ((made.order as Row).legs as Row[]).map((l) => [l.symbol ?? null, l.transaction_type, l.quantity, l.product]);
  expect(stored).toEqual([[null, "BUY", 1, "CNC"], ["NSE:TCS", "SELL", 1, "MIS"]]); // null: the firing symbol
  await api.delete(`/api/alerts/${String(made.id)}`);
  await api.dispose();
});

test("an alert's option basket shows the hedge benefit and the payoff the chain's ticket shows @phone", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL as string);
  await openSignedIn(page, api, "/alerts");
  await page.getByRole("button", { name: "New alert" }).click();
  const dialog = page.getByRole("dialog", { name: "New alert" });
  await dialog.getByRole("textbox", { name: "Symbol" }).fill("NSE:NIFTY 50");
  await dialog.getByLabel("Price (₹)").fill("99999");
  await dialog.getByLabel("Name").fill("NIFTY call spread");
  await dialog.getByRole("checkbox", { name: /Attach an order/ }).check();
  await dialog.getByText("A basket", { exact: true }).click();
  const legs = dialog.getByRole("group", { name: "Basket legs" });
  // a bull call spread of November's NIFTY calls (the e2e clock stands on 20 Nov 2026)
  const spread = [["NFO:NIFTY26NOV27750CE", "BUY"], ["NFO:NIFTY26NOV27950CE", "SELL"]] as const;
  for (const [i, [symbol, side]] of spread.entries()) {
    const n = i + 1;
    const leg = legs.getByRole("group", { name: `Leg ${n}` });
    await leg.getByRole("textbox", { name: `Leg ${n} symbol` }).fill(symbol);
    await leg.getByRole("textbox", { name: `Leg ${n} symbol` }).press("Escape");
    await leg.getByRole("combobox", { name: `Leg ${n} side` }).selectOption(side);
    await leg.getByRole("textbox", { name: `Leg ${n} quantity` }).fill("65");
    await leg.getByRole("combobox", { name: `Leg ${n} product` }).selectOption("NRML");
  }
  const payoff = legs.getByRole("group", { name: "Payoff at expiry" });
  await expect(payoff.getByLabel("Max profit")).toHaveText(/₹[\d,]+\.\d\d/);
  await expect(payoff.getByLabel("Max loss")).toHaveText(/₹[\d,]+\.\d\d/);
  await expect(payoff.getByLabel("Breakevens")).toHaveText(/^₹27,[89]\d\d\.\d\d$/);
  const margin = legs.getByRole("group", { name: "Basket margin" });
  await expect(margin.getByLabel("Hedge benefit")).toHaveText(/₹[\d,]+\.\d\d/);
  await expect(margin.getByLabel("Legs alone")).toHaveText(/₹[\d,]+\.\d\d/);
  await expect(legs.getByLabel("Why the margin is what it is")).toContainText("a bought leg caps what the sold leg beside it can lose");
  await expectAccessible(page);
  await payoff.scrollIntoViewIfNeeded();
  await keepScreenshot(page, "alert-option-basket", info.project.name);
  await api.dispose();
});
