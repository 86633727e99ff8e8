import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot, signIn } from "./support";

test("a new worker token is shown once with a copy button, then masked", async ({ page }, info) => {
  await signIn(page, "/settings/keys");
  await page.getByRole("textbox", { name: "worker token name" }).fill("e2e-runner");
  await page.getByRole("button", { name: "Create worker token" }).click();
  const shown = page.getByRole("dialog", { name: "Your new worker token" });
  const secret = await shown.getByRole("textbox", { name: "New worker token" }).inputValue();
  expect(secret.length).toBeGreaterThan(20);
  await expect(shown.getByRole("button", { name: "Copy New worker token" })).toBeVisible();
  await shown.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("table", { name: "Worker tokens" }).getByRole("row").filter({ hasText: "e2e-runner" });
  await expect(row).toBeVisible();
  await expect(row).not.toContainText(secret);
  await expect(page.getByText(secret)).toHaveCount(0);
  await expectAccessible(page);
  await keepScreenshot(page, "settings-keys", info.project.name);
});

test("settings sections: brokers, sessions, Telegram, funds, notifications", async ({ page }, info) => {
  await signIn(page, "/settings");
  await expect(page).toHaveURL(/\/settings\/brokers$/);
  await expect(page.getByRole("textbox", { name: "Zerodha Kite redirect URL" })).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+\/.+/);
  await expect(page.getByRole("button", { name: "Copy Zerodha Kite redirect URL" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "settings", info.project.name);
  for (const [tab, check] of [
    ["Sessions", page.getByRole("table", { name: "Sessions" })],
    ["Telegram", page.getByRole("textbox", { name: "Step 1: your Telegram chat id" })],
    ["Paper funds", page.getByRole("textbox", { name: "Amount (₹)" })],
    ["Notifications", page.getByRole("table", { name: "Notifications" })],
  ] as const) {
    await page.getByRole("tab", { name: tab }).click();
    await expect(check).toBeVisible();
    await expectAccessible(page);
  }
});
