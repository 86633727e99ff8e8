// A walk-forward in the browser: V1 on a custom symbol list, one parameter varied, rolling
// folds; watch it run, then read the stitched out-of-sample curve, DSR and PBO said in one
// line each, the fold table (the choice, Sharpe in and out, degradation), parameter
// stability and a fold's heatmaps. Screenshots at desktop and phone width.
import { expect, type Page, test } from "@playwright/test";
import { expectAccessible, keepScreenshot, tableRows } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

const SYMBOLS = ["RELIANCE", "INFY", "TCS", "HDFCBANK", "ICICIBANK", "SBIN"];

interface Fold { chosen: number | null; params: Record<string, number> | null }
interface Run { status: string; fold_count: number; folds: Fold[]; summary: { pbo: { pbo: number } | null; deflated_sharpe: { dsr: number } | null } | null }

async function pick(page: Page, box: ReturnType<Page["getByRole"]>, option: RegExp | string) {
  await box.click();
  await page.getByRole("option", { name: option }).first().click();
}

test("a walk-forward runs its folds and says how likely it is overfit @phone", async ({ page }, info) => {
  test.slow();
  await page.goto("/backtests/sweeps");
  await page.getByRole("link", { name: "Walk-forward" }).click();
  const form = page.getByRole("form", { name: "Start a walk-forward" });
  await pick(page, form.getByRole("textbox", { name: "Strategy" }), /^V1 Momentum \(v\d+\)$/);
  await pick(page, form.getByRole("textbox", { name: "Universe" }), "Custom symbol list");
  await form.getByRole("textbox", { name: "Symbols" }).fill(SYMBOLS.join(", "));
  await form.getByLabel("From", { exact: true }).fill("2024-01-01");
  await form.getByLabel("To", { exact: true }).fill("2025-06-30");
  await form.getByLabel("In-sample days").fill("120");
  await form.getByLabel("Out-of-sample days").fill("60");
  await form.getByRole("button", { name: "Add a parameter" }).click();
  await form.getByRole("textbox", { name: "Values of parameter 1" }).fill("10, 20, 30");
  await expect(form).toContainText("3 variants of at most 200, each run in-sample and out-of-sample in every fold");
  await expectAccessible(page);
  if (info.project.name === "desktop") await keepScreenshot(page, "walk-forward-form", info.project.name);
  await form.getByRole("button", { name: "Start the walk-forward" }).click();

  await expect(page).toHaveURL(/\/backtests\/walk-forwards\/\d+$/);
  const id = Number(page.url().split("/").pop());
  const progress = page.getByRole("region", { name: "Progress" });
  await expect(progress).toContainText("Completed", { timeout: 150_000 });
  const run = (await (await pageApi(page).get(`/api/backtest/walk-forwards/${id}`)).json()) as Run;
  expect(run.status).toBe("completed");

  const verdict = page.getByRole("region", { name: "Verdict" });
  await expect(verdict.getByRole("img", { name: /Stitched out-of-sample equity over \d+ days/ })).toBeVisible();
  await expect(verdict).toContainText(`Deflated Sharpe ratio ${run.summary?.deflated_sharpe?.dsr.toFixed(2)}`);
  await expect(verdict).toContainText(`Probability of backtest overfitting ${run.summary?.pbo?.pbo.toFixed(2)}`);
  await expect(tableRows(page, "Walk-forward folds")).toHaveCount(run.fold_count);
  await expect(page.getByRole("region", { name: "Parameter stability" })).toContainText("→");
  await expect(page.getByRole("figure", { name: "In sample" })).toBeVisible();
  await expect(page.getByRole("figure", { name: "Out of sample" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "walk-forward-verdict", info.project.name);
  await page.getByRole("region", { name: "Folds" }).scrollIntoViewIfNeeded();
  await keepScreenshot(page, "walk-forward-folds", info.project.name);
});
