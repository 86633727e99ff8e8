import { expect, test } from "@playwright/test";
import { DEMO, expectAccessible, keepScreenshot, latestOtp, signIn } from "./support";

test("signs in with the password and lands where it was going", async ({ page }, info) => {
  await page.goto("/dashboard?view=all");
  await expect(page).toHaveURL(/\/signin\?next=%2Fdashboard%3Fview%3Dall/);
  await expectAccessible(page);
  await keepScreenshot(page, "signin", info.project.name);
  await page.getByRole("textbox", { name: "E-mail" }).fill(DEMO.email);
  await page.getByLabel(/^Password/).fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByLabel(/^Password/).fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard\?view=all$/);
});

test("signs in with the code from the e-mail", async ({ page }) => {
  await page.goto("/signin");
  await page.getByRole("tab", { name: "With e-mail code" }).click();
  await page.getByRole("textbox", { name: "E-mail" }).fill(DEMO.email);
  await page.getByRole("button", { name: "Send me a code" }).click();
  await expect(page.getByText("We sent a six-digit code")).toBeVisible();
  const code = latestOtp(DEMO.email);
  await page.getByLabel("Code").first().click();
  await page.keyboard.type(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("the shell shows the account and paper mode @phone", async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId("account-switch")).toContainText("Paper");
  await expect(page.getByLabel("Trading mode")).toBeHidden(); // live trading off: no badge
  await expectAccessible(page);
});
