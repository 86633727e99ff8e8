// The chain simulator in the browser: a past day of the demo's simulated market (nothing is
// imported on the demo, and the page says so), the chain at 10:00 IST, a short straddle
// entered from it, a minute stepped and a few played at 30×, a leg exited mid-way and the
// session saved to the journal. Screenshots at desktop and phone width.
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
  await expect(page.getByText(/Saved 3 trades to your journal/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Saved to journal" })).toBeDisabled();
});
