// The options backtest in the browser: start from the short-straddle preset (after trying the
// iron condor), see a strike the API refuses light up on its leg (and imported chains that are
// not there on the Data select), run on synthetic NIFTY chains
// and read the results — the net P&L the API answered, equity and drawdown, P&L by expiry,
// weekday and month, the worst days and the trades by leg. Every preset's document is one the
// API runs. Screenshots at desktop and phone width.
import { expect, test } from "@playwright/test";
import { inr, signedInr } from "../src/format/money";
import { applyPreset, initialOptions, PRESETS, toRequest } from "../src/backtests/options/optionDoc";
import { expectAccessible, keepScreenshot, tableRows } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

interface RunOut { net: string; trades: unknown[]; by_weekday: { key: string }[] }

test("every preset makes a document the API runs", async ({ page }) => {
  const api = pageApi(page);
  for (const { name } of PRESETS) {
    const res = await api.post("/api/backtests/options", { data: toRequest(applyPreset(initialOptions, name)) });
    expect(res.ok(), `${name}: ${await res.text()}`).toBeTruthy();
    expect(((await res.json()) as RunOut).trades.length).toBeGreaterThan(0);
  }
});

test("a short straddle from the preset, run on synthetic chains, reads its results @phone", async ({ page }, info) => {
  test.slow(); // a backtest on a shared machine
  await page.goto("/backtests/options");
  await expect(page.getByRole("heading", { level: 1, name: "Options backtest" })).toBeVisible();
  const form = page.getByRole("form", { name: "Options strategy" });
  await expect(form.getByRole("note", { name: "Imported F&O data" })).toContainText("Imported NSE F&O bhavcopies");

  // one click fills the legs: four for the condor, two for the straddle
  const presets = form.getByRole("group", { name: "Presets" });
  await presets.getByRole("button", { name: "Iron condor" }).click();
  await expect(form.getByRole("group", { name: /^Leg \d+$/ })).toHaveCount(4);
  await presets.getByRole("button", { name: "Short straddle" }).click();
  const legs = form.getByRole("group", { name: /^Leg \d+$/ });
  await expect(legs).toHaveCount(2);
  const leg1 = form.getByRole("group", { name: "Leg 1" });
  const leg2 = form.getByRole("group", { name: "Leg 2" });
  await expect(leg1.getByRole("radio", { name: "CE" })).toBeChecked();
  await expect(leg2.getByRole("radio", { name: "PE" })).toBeChecked();
  for (const leg of [leg1, leg2]) {
    await expect(leg.getByRole("radio", { name: "Sell" })).toBeChecked();
    await expect(leg.getByRole("textbox", { name: "Stop-loss", exact: true })).toHaveValue("30");
    await expect(leg.getByRole("textbox", { name: "Re-entries" })).toHaveValue("1");
  }
  await expect(form.getByText("Imported NSE F&O bhavcopies")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "options-backtest-builder", info.project.name);

  // a strike 99 away from ATM: the API's 422 names legs[0].strike.offset, shown on leg 1's strike
  const strike = leg1.getByRole("textbox", { name: "Strikes from ATM" });
  await strike.fill("99");
  await form.getByRole("button", { name: "Run backtest" }).click();
  await expect(strike).toHaveAttribute("aria-invalid", "true");
  await expect(leg1).toContainText("Must be less than or equal to 40");
  await expect(form.getByRole("alert").filter({ hasText: "Not run:" })).toBeVisible();
  await expect(leg2.getByRole("textbox", { name: "Strikes from ATM" })).not.toHaveAttribute("aria-invalid", "true");
  await strike.fill("0");

  // imported chains for a range none was imported for: the 422 names data, shown on the Data select
  const data = form.getByRole("combobox", { name: "Data", exact: true });
  const coverage = (await (await pageApi(page).get("/api/market/fo/coverage")).json()) as { days: string[] };
  if (coverage.days.length === 0) {
    await data.selectOption("Imported NSE bhavcopies");
    await form.getByRole("button", { name: "Run backtest" }).click();
    await expect(data).toHaveAttribute("aria-invalid", "true");
    await expect(strike).not.toHaveAttribute("aria-invalid", "true");
  }
  await data.selectOption("Synthetic NIFTY chains");

  // the run: the page's figures are the API's for the same document
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/backtests/options") && r.request().method() === "POST");
  await form.getByRole("button", { name: "Run backtest" }).click();
  const run = (await (await answer).json()) as RunOut;
  expect(run.trades.length).toBeGreaterThan(0);
  await expect(strike).not.toHaveAttribute("aria-invalid", "true");
  const summary = page.getByRole("list", { name: "Summary" });
  await expect(summary.getByRole("listitem").filter({ hasText: "Net P&L" })).toContainText(signedInr(run.net));
  for (const label of ["Charges", "Slippage", "Max drawdown", "Margin peak", "Return on margin"]) {
    await expect(summary.getByRole("listitem").filter({ hasText: label })).toBeVisible();
  }
  await expect(page.getByRole("note").filter({ hasText: "Synthetic data" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Equity" }).getByRole("img")).toBeVisible();
  await expect(page.getByRole("region", { name: "Drawdown" })).toBeVisible();
  const weekdays = page.getByRole("table", { name: "P&L by weekday" });
  for (const day of run.by_weekday.map((b) => b.key)) await expect(weekdays).toContainText(day);
  await expect(page.getByRole("table", { name: "P&L by expiry" })).toBeVisible();
  await expect(page.getByRole("table", { name: "P&L by month" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Worst days" }).getByRole("row")).toHaveCount(6);
  const payoff = page.getByRole("region", { name: "Payoff at entry" });
  await expect(payoff.getByRole("img", { name: /^P&L at expiry/ })).toBeVisible(); // the first entry's, as its legs went in
  await expect(payoff).toContainText("breakevens");
  await expect(page.getByRole("region", { name: "Leg trades" })).toContainText("Leg 1");
  await expect(page.getByRole("region", { name: "Leg trades" })).toContainText(/Sell NIFTY \d+ \w{3} [\d,]+ CE/);
  await expectAccessible(page);
  await keepScreenshot(page, "options-backtest-results", info.project.name); // the page brings the results into view
  await page.getByRole("region", { name: "P&L by expiry" }).evaluate((e) => e.scrollIntoView({ block: "start" }));
  await keepScreenshot(page, "options-backtest-breakdowns", info.project.name);
  await page.getByRole("region", { name: "Leg trades" }).evaluate((e) => e.scrollIntoView({ block: "start" }));
  await keepScreenshot(page, "options-backtest-trades", info.project.name);
});

interface KeptRun { id: number; name: string; net: string; charges: string }

test("past runs are kept, open again, and two compare side by side @phone", async ({ page }, info) => {
  test.slow(); // two backtests on a shared machine
  const api = pageApi(page);
  const kept: KeptRun[] = [];
  for (const [name, stop] of [["tight stop", "10"], ["loose stop", "60"]] as const) {
    const values = applyPreset(initialOptions, "short_straddle");
    const doc = { ...values, name, legs: values.legs.map((leg) => ({ ...leg, sl_value: stop })) };
    const res = await api.post("/api/backtests/options", { data: toRequest(doc) });
    expect(res.ok(), await res.text()).toBeTruthy();
    kept.push((await res.json()) as KeptRun);
  }
  const [tight, loose] = kept as [KeptRun, KeptRun];
  await page.goto("/backtests/options");
  const history = page.getByRole("region", { name: "Past runs" });
  await expect(history).toContainText(`#${tight.id} tight stop`);

  // open one: its results, as the API kept them
  await history.getByRole("button", { name: `Open #${loose.id} loose stop` }).click();
  await expect(page.getByRole("list", { name: "Summary" }).getByRole("listitem").filter({ hasText: "Net P&L" }))
    .toContainText(signedInr(loose.net));

  // tick both, compare: the P&L curves on one chart, the figures side by side
  await history.getByRole("checkbox", { name: `Compare #${tight.id} tight stop` }).check();
  await history.getByRole("checkbox", { name: `Compare #${loose.id} loose stop` }).check();
  await history.getByRole("button", { name: "Compare" }).click();
  const compared = page.getByRole("region", { name: "Runs compared" });
  await expect(compared.getByRole("img").first()).toBeVisible();
  const figures = compared.getByLabel("Metrics compared");
  await expect(figures.getByLabel(/^Net P&L/)).toContainText(inr(Number(tight.net)));
  await expect(figures.getByLabel(/^Net P&L/)).toContainText(inr(Number(loose.net)));
  await expect(figures.getByLabel(/^Charges/)).toContainText(inr(Number(tight.charges)));
  await expectAccessible(page);
  await compared.evaluate((e) => e.scrollIntoView({ block: "start" }));
  await keepScreenshot(page, "options-backtest-compare", info.project.name);
});

interface SweepCell { values: (number | string)[]; net: string | null }

test("a sweep of the legs' stop-loss fills its heatmap with each cell's net P&L", async ({ page }, info) => {
  test.slow(); // two runs on the research jobs of a shared machine
  await page.goto("/backtests/options");
  const sweep = page.getByRole("region", { name: "Sweep" });
  await sweep.getByLabel("Values").fill("10, 60");
  await sweep.getByRole("button", { name: "Start sweep" }).click();
  await expect(sweep.getByRole("status")).toContainText("completed, 2 of 2 cells", { timeout: 90_000 });
  const id = Number((await sweep.getByRole("status").textContent())?.match(/Sweep #(\d+)/)?.[1]);
  const res = await pageApi(page).get(`/api/backtests/options/sweeps/${id}`);
  expect(res.ok(), await res.text()).toBeTruthy();
  const cells = ((await res.json()) as { cells: SweepCell[] }).cells;
  expect(cells.map((c) => c.values)).toEqual([[10], [60]]);
  const heat = sweep.getByRole("table", { name: "Sweep heatmap" });
  await expect(heat).toContainText("Stop-loss, every leg →"); // the parameter's name, not its path
  await expect(heat).not.toContainText("legs[");
  for (const cell of cells) await expect(heat).toContainText(inr(Number(cell.net), 0));
  await sweep.getByText("Win rate", { exact: true }).click(); // the same cells by win rate
  await expect(heat).toContainText("%");
  await expectAccessible(page);
  await sweep.evaluate((e) => e.scrollIntoView({ block: "start" }));
  await keepScreenshot(page, "options-backtest-sweep", info.project.name);
});

test("a sweep's progress streams, and a cell opens as a run of its own @phone", async ({ page }, info) => {
  test.slow(); // a sweep and a run on the research jobs of a shared machine
  await page.goto("/backtests/options");
  const sweep = page.getByRole("region", { name: "Sweep" });
  await sweep.getByLabel("Values").fill("10, 60");
  const stream = page.waitForRequest(/\/api\/backtests\/options\/sweeps\/\d+\/events$/);
  await sweep.getByRole("button", { name: "Start sweep" }).click();
  await stream; // the progress is the stream's, not a poll
  await expect(sweep.getByRole("status")).toContainText("completed, 2 of 2 cells", { timeout: 90_000 });
  const id = Number((await sweep.getByRole("status").textContent())?.match(/Sweep #(\d+)/)?.[1]);
  const cells = ((await (await pageApi(page).get(`/api/backtests/options/sweeps/${id}`)).json()) as { cells: SweepCell[] }).cells;
  const loose = cells[1] as SweepCell;

  // one parameter: no row-header column, only the values' columns, the table no wider than they
  const heat = sweep.getByRole("table", { name: "Sweep heatmap" });
  await expect(heat.getByRole("columnheader")).toHaveCount(2);
  await expect(heat.getByRole("rowheader")).toHaveCount(0);
  const [tableWidth, panelWidth] = await Promise.all([heat.evaluate((e) => e.getBoundingClientRect().width), sweep.evaluate((e) => e.getBoundingClientRect().width)]);
  expect(tableWidth).toBeLessThan(panelWidth * 0.9);

  // the cell opens as a run: its figures are the cell's, with its payoff and its trades
  await heat.getByRole("button", { name: "Run Stop-loss, every leg = 60" }).click();
  await expect(page.getByRole("list", { name: "Summary" }).getByRole("listitem").filter({ hasText: "Net P&L" }))
    .toContainText(signedInr(loose.net ?? "0"), { timeout: 60_000 });
  await expect(page.getByRole("region", { name: "Payoff at entry" }).getByRole("img", { name: /^P&L at expiry/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Leg trades" })).toContainText("Leg 1");
  const history = page.getByRole("region", { name: "Past runs" });
  await expect(history).toContainText(`sweep #${id}, cell 2`);
  // opened once: the cell now opens the same run
  await expect(heat.getByRole("button", { name: "Open the run of Stop-loss, every leg = 60" })).toBeVisible();
  await expectAccessible(page);
  await sweep.evaluate((e) => e.scrollIntoView({ block: "start" }));
  await keepScreenshot(page, "options-backtest-sweep-cell", info.project.name);
});

interface WalkFold { out_start: string; params: Record<string, number> | null }
interface Walk { status: string; fold_count: number; folds: WalkFold[]; summary: { folds: number } | null }

test("a walk-forward of the legs' stop-loss runs from the form and reads its folds", async ({ page }, info) => {
  test.slow(); // a few folds of two runs each on the research jobs of a shared machine
  await page.goto("/backtests/options");
  const walk = page.getByRole("region", { name: "Walk-forward" });
  await walk.getByLabel("Values").fill("10, 60");
  // windows longer than the range: the API's 422 names in_sample_days, shown on its box
  const inSample = walk.getByRole("textbox", { name: "In-sample days" });
  await inSample.fill("400");
  await walk.getByRole("button", { name: "Start walk-forward" }).click();
  await expect(inSample).toHaveAttribute("aria-invalid", "true");
  await expect(walk.getByRole("alert")).toContainText("Not started");
  await inSample.fill("20");
  await walk.getByRole("textbox", { name: "Out-of-sample days" }).fill("10");
  await walk.getByRole("button", { name: "Start walk-forward" }).click();

  await expect(page).toHaveURL(/\/backtests\/options\/walk-forwards\/\d+$/);
  const id = Number(page.url().split("/").pop());
  await expect(page.getByRole("region", { name: "Progress" })).toContainText("Completed", { timeout: 150_000 });
  const res = await pageApi(page).get(`/api/backtests/options/walk-forwards/${id}`);
  expect(res.ok(), await res.text()).toBeTruthy();
  const run = (await res.json()) as Walk;
  expect(run.fold_count).toBeGreaterThan(1);
  expect(run.summary?.folds).toBe(run.fold_count);
  await expect(page.getByText("NIFTY options")).toBeVisible();
  await expect(page.getByRole("region", { name: "Verdict" }).getByRole("img", { name: /Stitched out-of-sample equity/ })).toBeVisible();
  await expect(tableRows(page, "Walk-forward folds")).toHaveCount(run.fold_count);
  const folds = page.getByRole("table", { name: "Walk-forward folds" });
  for (const fold of run.folds) await expect(folds).toContainText(`Stop-loss, every leg ${fold.params?.["legs[*].stop_loss"]}`);
  await expect(page.getByRole("region", { name: "Parameter stability" })).toContainText("Stop-loss, every leg");
  await expect(page.getByRole("figure", { name: "Out of sample" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "options-walk-forward", info.project.name);

  // the options page lists it, a link back to its page
  await page.getByRole("link", { name: "Options backtest" }).first().click();
  await expect(page.getByRole("region", { name: "Walk-forward" }).getByRole("link", { name: `Walk-forward #${id}` })).toBeVisible();
});
