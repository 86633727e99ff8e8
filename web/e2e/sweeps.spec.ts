// A parameter sweep in the browser: pick V1 on a custom symbol list, vary the SMA length and
// the RSI ceiling of its entry, split in- and out-of-sample, watch the variants stream in,
// then read the two heatmaps side by side (each cell the figure the API computed) and the
// sortable table.
// Screenshots at desktop and phone width.
import { expect, type Page, test } from "@playwright/test";
import { pct } from "../src/format/money";
import { expectAccessible, keepScreenshot, tableRows } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

const SYMBOLS = ["RELIANCE", "INFY", "TCS", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT", "AXISBANK", "MARUTI"];

interface Variant { params: Record<string, number>; in_sample: { cagr: number } | null; out_of_sample: { cagr: number } | null }
interface SweepOut { status: string; done: number; total: number; results: Variant[]; config: { universe: unknown } }

async function pick(page: Page, box: ReturnType<Page["getByRole"]>, option: RegExp | string) {
  await box.click();
  await page.getByRole("option", { name: option }).first().click();
}

test("a sweep streams its progress and draws its heatmaps @phone", async ({ page }, info) => {
  test.slow(); // a process pool starts, then 6 variants × 2 backtests on a shared machine
  await page.goto("/backtests");
  await page.getByRole("link", { name: "Parameter sweeps" }).click();
  const form = page.getByRole("form", { name: "Start a sweep" });
  await pick(page, form.getByRole("textbox", { name: "Strategy" }), /^V1 Momentum \(v\d+\)$/); // the template, not a fork
  // a custom symbol list, as the backtest form takes one
  await pick(page, form.getByRole("textbox", { name: "Universe" }), "Custom symbol list");
  await form.getByRole("textbox", { name: "Symbols" }).fill(SYMBOLS.join(", ").toLowerCase());
  await expect(form).toContainText(`(${SYMBOLS.length} now)`);
  await form.getByLabel("From", { exact: true }).fill("2024-01-01");
  await form.getByLabel("Out-of-sample from").fill("2025-01-01");
  await form.getByLabel("To", { exact: true }).fill("2025-06-30");

  await form.getByRole("button", { name: "Add a parameter" }).click();
  await expect(form.getByRole("textbox", { name: "Parameter 1", exact: true })).toHaveValue("Entry: SMA 20 length (close > SMA 20)");
  await form.getByRole("textbox", { name: "Values of parameter 1" }).fill("10, 20, 30");
  await form.getByRole("button", { name: "Add a parameter" }).click();
  await pick(page, form.getByRole("textbox", { name: "Parameter 2", exact: true }), "Entry: threshold (RSI 14 ≤ 70)");
  await form.getByRole("textbox", { name: "Values of parameter 2" }).fill("60 to 70 step 10");
  await expect(form).toContainText("6 variants of at most 200");
  await expectAccessible(page);
  if (info.project.name === "desktop") await keepScreenshot(page, "sweep-form", info.project.name);
  await form.getByRole("button", { name: "Start the sweep" }).click();

  // the sweep's page follows the stream: a count that grows, then variants per second
  await expect(page).toHaveURL(/\/backtests\/sweeps\/\d+$/);
  const id = Number(page.url().split("/").pop());
  const progress = page.getByRole("region", { name: "Progress" });
  await expect(progress.getByRole("status")).toContainText("of 6 variants");
  await expect(progress.getByRole("progressbar", { name: "Sweep progress" })).toBeAttached(); // 0 % is zero-wide
  await expect(progress).toContainText("Completed", { timeout: 150_000 });
  await expect(progress.getByRole("status")).toContainText(/6 of 6 variants · [\d.]+ variants\/s/);

  // both heatmaps: each cell the API's in-sample / out-of-sample CAGR of that variant
  const sweep = (await (await pageApi(page).get(`/api/backtest/sweeps/${id}`)).json()) as SweepOut;
  expect([sweep.status, sweep.done]).toEqual(["completed", 6]);
  expect(sweep.config.universe).toEqual(SYMBOLS);
  const inside = page.getByRole("figure", { name: "In-sample CAGR" });
  const outside = page.getByRole("figure", { name: "Out-of-sample CAGR" });
  await expect(inside.getByRole("cell")).toHaveCount(6);
  await expect(outside.getByRole("cell")).toHaveCount(6);
  const one = sweep.results.find((v) => v.params["entry_rules.conditions.0.right.name"] === 20 && v.params["entry_rules.conditions.1.right.value"] === 60) as Variant;
  const row = (figure: typeof inside) => figure.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "60", exact: true }) });
  await expect(row(inside).getByRole("cell").nth(1)).toHaveText(pct(one.in_sample?.cagr ?? null, { signed: true }));
  await expect(row(outside).getByRole("cell").nth(1)).toHaveText(pct(one.out_of_sample?.cagr ?? null, { signed: true }));

  // another metric redraws both; the table sorts
  await pick(page, page.getByRole("textbox", { name: "Metric" }), "Sharpe");
  await expect(page.getByRole("figure", { name: "In-sample Sharpe" })).toBeVisible();
  await expect(page.getByRole("figure", { name: "Out-of-sample Sharpe" })).toBeVisible();
  await pick(page, page.getByRole("textbox", { name: "Metric" }), "CAGR");
  await expect(tableRows(page, "Sweep variants")).toHaveCount(6);
  await expectAccessible(page);
  await page.getByRole("region", { name: "Heatmaps" }).scrollIntoViewIfNeeded();
  await keepScreenshot(page, "sweep-heatmaps", info.project.name);

  // a cell opens its variant's own run, over the sweep's whole range
  await row(inside).getByRole("cell").nth(1).getByRole("button").click();
  await expect(page).toHaveURL(/\/backtests\/runs\/\d+$/, { timeout: 60_000 });
  await expect(page.getByText(`A variant of sweep #${id}`)).toBeVisible();
});
