// One account on screen at a time, always named (issue 64): connecting Kite changes nothing
// on screen until the trader picks Kite in the header's switch; then the header, Holdings
// and Funds all name Kite and show Kite's figures, and "Add funds" (paper money) is gone.
import { type Page, expect, test } from "@playwright/test";
import { completeKiteLogin, connectKite, forgetKite, showAccount } from "./kite";
import { expectAccessible, keepScreenshot, signIn } from "./support";

const switcher = (page: Page) => page.getByTestId("account-switch");
const bookFilter = (page: Page) => page.getByRole("textbox", { name: "Book" });

test("the header's account switch picks the account every page shows @phone", async ({ page, baseURL }, info) => {
  await connectKite(page, String(baseURL));
  await completeKiteLogin(page);

  // Kite connected: the screen still shows the paper account, and says so
  await page.goto("/holdings");
  await expect(switcher(page)).toContainText("Paper");
  await expect(bookFilter(page)).toHaveValue("Paper: every book");
  await page.goto("/funds");
  await expect(page.getByRole("button", { name: "Add funds" })).toBeVisible();

  // Kite picked in the header: Holdings asks for Kite's account by name and names it
  await page.goto("/holdings");
  const kiteRead = page.waitForResponse((r) => r.url().includes("/api/portfolio/holdings?book=live%3Akite") && r.ok());
  await showAccount(page, "Kite");
  expect((await kiteRead).headers()["x-broker"]).toBe("kite");
  await expect(bookFilter(page)).toHaveValue("Kite account");
  await expect(page.getByRole("main")).toContainText("SBIN"); // the fake Kite's holding
  await expect(page.getByTestId("pnl-today").or(page.getByRole("button", { name: /Desk status/ })).first()).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "account-kite-holdings", info.project.name);

  // Funds: Kite's money, and no paper "Add funds" beside it
  await page.goto("/funds");
  await expect(switcher(page)).toContainText("Kite");
  await expect(bookFilter(page)).toHaveValue("Kite account");
  await expect(page.getByTestId("available-margin")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add funds" })).toBeHidden();
  await keepScreenshot(page, "account-kite-funds", info.project.name);

  // back to paper, then forget Kite for the specs after this one
  await showAccount(page, "Paper");
  await expect(page.getByRole("button", { name: "Add funds" })).toBeVisible();
  await forgetKite(page);
});

// The journal's totals and its tax section count the same trades (issue 64): real trades by
// default, paper ones too only when the page's one switch says so, and the page says which.
test("the journal's totals and tax section follow one real/paper switch @phone", async ({ page }, info) => {
  await signIn(page, "/journal");
  const allYears = page.getByRole("region", { name: "All years" });
  await expect(allYears.getByRole("heading")).toHaveText("All years · real trades");
  await expect(page.getByTestId("journal-counts")).toContainText("Counting real trades only");
  const taxNote = page.getByText(/^1 April .* · real trades$/);
  await expect(taxNote).toBeVisible();
  await keepScreenshot(page, "journal-real-trades", info.project.name);

  await page.getByText("Real and paper", { exact: true }).click();
  await expect(page).toHaveURL(/[?&]paper=1/);
  await expect(allYears.getByRole("heading")).toHaveText("All years · real and paper trades");
  await expect(page.getByTestId("journal-counts")).toContainText("Counting real and paper trades");
  await expect(page.getByText(/· real and paper trades \(paper is not income\)$/)).toBeVisible();
  await expectAccessible(page);
});
