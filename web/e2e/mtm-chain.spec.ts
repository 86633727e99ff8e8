// Issue 55 in the browser: an MTM exit on the risk page (the day's MTM of its scope with the
// distance to each threshold, as the API reads it), and the option chain's structure placed
// as one basket (its margin before sending, the legs in the API's order, each leg's outcome).
import { expect, type Page, type Response, test } from "@playwright/test";
import { inr, signedInr } from "../src/format/money";
import { legState, outcome, type BasketMargin, type BasketOut } from "../src/options/basket";
import { expectAccessible, expectLaidOut, keepScreenshot } from "./support";
import { base, pageApi, shareSignIn } from "./session";

shareSignIn(test);

interface MtmRule { id: number }
interface RiskState { rules: { rule_id: number; mtm: { stop_at: string; target_at: string } | null }[] }

const answer = (page: Page, path: string) =>
  page.waitForResponse((r: Response) => r.url().endsWith(path) && r.request().method() === "POST");

test("an MTM exit shows the day's MTM and the distance to each threshold @phone", async ({ page }, info) => {
  const api = pageApi(page);
  // far away on both sides: this test reads the card, it does not exit the demo's positions
  const made = await api.post("/api/risk/rules", { data: { type: "mtm_exit", threshold_amount: "9000000", target_amount: "9500000", trail_amount: "100000" } });
  expect(made.ok(), await made.text()).toBeTruthy();
  const rule = (await made.json()) as MtmRule;
  try {
    await page.goto("/risk");
    const card = page.getByRole("region", { name: "MTM exit: Account" }).or(page.getByLabel("MTM exit: Account"));
    await expect(card).toBeVisible();
    await expect(card.getByText("Watching")).toBeVisible();
    const state = (await (await api.get("/api/risk/state")).json()) as RiskState;
    const mtm = state.rules.find((r) => r.rule_id === rule.id)?.mtm;
    expect(mtm).toBeTruthy();
    await expect(card.getByText(signedInr(mtm!.stop_at))).toBeVisible();
    await expect(card.getByText(signedInr(mtm!.target_at))).toBeVisible();
    await expect(card.getByText(/to go$/).first()).toBeVisible();
    await expectLaidOut(page, `risk with an MTM exit (${info.project.name})`);
    await expectAccessible(page);
    await keepScreenshot(page, "risk-mtm-exit", info.project.name);
  } finally {
    await page.request.delete(`/api/risk/rules/${rule.id}`, { headers: { Origin: base() } });
  }
});

test("a spread from the chain shows its margin, then is placed hedge-first in one step @phone", async ({ page }, info) => {
  await page.goto("/options");
  await expect(page.getByRole("table", { name: /^NIFTY option chain/ })).toBeVisible();
  const previewed = answer(page, "/api/options/basket/preview");
  await page.getByRole("button", { name: "Add a spread" }).click();
  await page.getByRole("menuitem", { name: "Bull call spread" }).click();
  const margin = (await (await previewed).json()) as BasketMargin;
  const place = page.getByRole("region", { name: "Place the structure" });
  const figures = place.getByRole("group", { name: "Basket margin" });
  await expect(figures).toContainText(inr(margin.available));
  await expect(figures).toContainText("Margin needed (estimate)");
  // the sold leg as a LIMIT: its price starts at the bid (on the tick), the API prices it
  const editor = place.getByRole("group", { name: "How each leg is placed" });
  await editor.getByText("Limit", { exact: true }).nth(1).click();
  const price = editor.getByRole("textbox", { name: /^Limit price of / });
  await expect(price).toHaveValue(/^\d+\.\d\d$/);
  await expect(figures).toContainText("Margin needed (estimate)");
  await expectLaidOut(page, `options with a basket (${info.project.name})`);

  await place.getByRole("button", { name: "Place basket" }).click();
  const dialog = page.getByRole("dialog", { name: "Place this basket?" });
  await expect(dialog.getByText(/^Buy 1 lot of/)).toBeVisible(); // the bought leg goes first
  await expect(dialog.getByText(/^(Buy|Sell) 1 lot of/).first()).toHaveText(/^Buy.*, at market$/);
  await expect(dialog.getByText(/^Sell 1 lot of .*, limit ₹[\d,]+\.\d\d$/)).toBeVisible();
  await keepScreenshot(page, "options-basket-confirm", info.project.name);
  const placed = answer(page, "/api/options/basket");
  await dialog.getByRole("button", { name: "Place 2 legs" }).click();
  const result = (await (await placed).json()) as BasketOut;
  expect(result.legs[0]?.transaction_type).toBe("BUY");
  const shown = page.getByLabel("Basket result");
  await expect(shown.getByText(outcome(result.status).label)).toBeVisible();
  for (const leg of result.legs) {
    await expect(shown.getByRole("table", { name: "Legs sent" })).toContainText(legState(leg.state));
  }
  await expectLaidOut(page, `options after placing (${info.project.name})`);
  await expectAccessible(page);
  await keepScreenshot(page, "options-basket", info.project.name);
});
