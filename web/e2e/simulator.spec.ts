// The chain simulator in the browser: a past day of the demo's simulated market (nothing is
// imported on the demo, and the page says so), the chain at 10:00 IST, a short straddle
// entered from it, a minute stepped and a few played at 30×, a leg exited mid-way and the
// session saved to the journal, the leg still open exited at the minute by the trader's
// choice (never booked half-open: the journal then shows no "settlement price needed" for
// it). Screenshots at desktop and phone width.
import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support";
import { shareSignIn } from "./session";

shareSignIn(test);

test("a short straddle played on a past day, exited and saved to the journal @phone", async ({ page }, info) => {
  test.slow(); // a session of API calls on a shared machine
  await page.goto("/options/simulator");
  await expect(page.getByRole("heading", { level: 1, name: "Simulator" })).toBeVisible();
  await page.getByRole("textbox", { name: "Day" }).fill("2025-11-25");
  await page.getByRole("textbox", { name: "Time (IST)" }).fill("10:00");
  const chain = page.getByRole("table", { name: "Chain at the minute" });
  await expect(chain).toBeVisible();
  await expect(page.getByText("Simulated market (nothing imported for this day)")).toBeVisible();
  await expect(page.getByRole("heading", { name: /Chain .* at 10:00 IST/ })).toBeVisible();

  await page.getByRole("button", { name: "Start here" }).click();
  await expect(page.getByRole("heading", { name: "NIFTY at 10:00 IST" })).toBeVisible();
  const sellCalls = page.getByRole("button", { name: /^Sell \S+ CE$/ });
  await expect(sellCalls.first()).toBeVisible();
  const atm = Math.floor((await sellCalls.count()) / 2);
  await sellCalls.nth(atm).click();
  const legs = page.getByRole("table", { name: "Legs" });
  await expect(legs.getByRole("row")).toHaveCount(2);
  await page.getByRole("button", { name: /^Sell \S+ PE$/ }).nth(atm).click();
  await expect(legs.getByRole("row")).toHaveCount(3);

  await page.getByRole("button", { name: "Step 1 min" }).click();
  await expect(page.getByRole("heading", { name: "NIFTY at 10:01 IST" })).toBeVisible();
  await expect(page.getByRole("img", { name: "MTM by minute" })).toBeVisible();

  await page.locator("label", { hasText: "30×" }).click();
  await expect(page.getByRole("radio", { name: "30×" })).toBeChecked();
  await page.getByRole("button", { name: "Play" }).click();
  await expect(page.getByRole("heading", { name: "NIFTY at 10:31 IST" })).toBeVisible({ timeout: 15_000 });
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByRole("figure", { name: "Payoff of the open legs" })).toBeVisible();

  await page.getByRole("button", { name: "Exit leg 1" }).click();
  await expect(legs.getByText(/^out /)).toHaveCount(1);
  await expectAccessible(page);
  await keepScreenshot(page, "simulator", info.project.name);

  await page.getByRole("button", { name: "Save to journal" }).click();
  const choice = page.getByRole("region", { name: "Open legs" });
  await expect(choice).toContainText(/Still open: leg 2 \(sold \S+PE\)\. Saving exits them at 10:31 IST/);
  await expectAccessible(page);
  const saving = page.waitForResponse((r) => r.url().endsWith("/journal") && r.request().method() === "POST");
  await choice.getByRole("button", { name: "Exit open legs and save" }).click();
  const saved = (await (await saving).json()) as { session: { id: number; legs: { tradingsymbol: string }[] } };
  await expect(page.getByText(/Saved 4 trades to your journal/)).toBeVisible();
  await expect(page.getByText(/PE exited at 10:31 IST at ₹/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Saved to journal" })).toBeDisabled();
  await expect(legs.getByText(/^out /)).toHaveCount(2);

  // the journal, paper trades counted: two round trips, nothing waiting for a settlement price
  const account = `sim:${saved.session.id}`;
  const pnl = (await (await page.request.get("/api/journal/pnl?include_paper=true")).json()) as {
    round_trips: { account: string }[]; open: { account: string }[];
  };
  expect(pnl.round_trips.filter((t) => t.account === account)).toHaveLength(2);
  expect(pnl.open.filter((p) => p.account === account)).toHaveLength(0);
  await page.goto("/journal?paper=1");
  await expect(page.getByTestId("journal-counts")).toContainText("Counting real and paper trades");
  const needed = page.getByText("settlement price needed");
  for (const { tradingsymbol } of saved.session.legs) {
    await expect(page.locator("tr, li, [role=listitem]").filter({ hasText: tradingsymbol }).filter({ has: needed })).toHaveCount(0);
  }
});
