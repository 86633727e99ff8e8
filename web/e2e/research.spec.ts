// The research loop in the browser: fork V1 in the library, change a threshold in the
// builder (and see a bad indicator's 422 light up its node), backtest the fork, open a
// trade on its chart (entry and exit marked), compare it with V1's run, deploy it as a
// paper portfolio, and see why the fork can no longer be deleted. Screenshots at desktop and phone width.
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { pct, qty } from "../src/format/money";
import { expectAccessible, keepScreenshot } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

interface StrategyRow { id: number; name: string; base_model: string | null; is_template: boolean; is_owner: boolean }
interface Summary { cagr: number; total_trades: number; open_trades: number }
interface RunOut { id: number; summary: Summary }

const RANGE = { universe: "nifty_50", start_date: "2024-01-01", end_date: "2025-06-30", starting_capital: 1000000, position_size_pct: 10, max_positions: 10 };

async function json<T>(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<T> {
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()) as T;
}

async function v1Id(api: APIRequestContext): Promise<number> {
  const list = await json<StrategyRow[]>(await api.get("/api/strategies?is_template=true"));
  return (list.find((s) => s.base_model === "v1_momentum") as StrategyRow).id;
}

async function pick(page: Page, box: ReturnType<Page["getByRole"]>, option: RegExp | string) {
  await box.click();
  await page.getByRole("option", { name: option }).first().click();
}

test("fork V1, change a threshold, backtest it, compare with V1's run, deploy it; the in-use fork explains why it stays", async ({ page }, info) => {
  test.slow(); // backtests and several round trips on a shared machine
  const api = pageApi(page);
  const v1 = await v1Id(api);
  const v1Run = await json<RunOut>(await api.post("/api/backtest/run", { data: { strategy_id: v1, ...RANGE } }));

  // the library: three sections; fork the V1 template
  await page.goto("/strategies");
  const templates = page.getByRole("region", { name: "Templates" });
  await expect(templates.getByRole("row", { name: /V1 Momentum/ })).toContainText("2 entry · 2 exit");
  await expect(page.getByRole("region", { name: "Your strategies" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Shared by others" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "strategies", info.project.name);
  const forkName = `V1 Momentum (fork)`;
  await templates.getByRole("button", { name: "Fork V1 Momentum" }).click();
  await expect(page.getByRole("status").filter({ hasText: `as “${forkName}”` })).toBeVisible();
  const mine = page.getByRole("region", { name: "Your strategies" });
  const forkRow = mine.getByRole("row", { name: new RegExp(forkName.replace(/[()]/g, "\\$&")) }).last();
  await expect(forkRow).toContainText("v1");

  // the builder: RSI ≤ 70 becomes ≤ 65; the sentence follows; save makes version 2
  await forkRow.getByRole("link", { name: forkName, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${forkName} · v1`);
  const readsAs = page.getByRole("region", { name: "Reads as" });
  await expect(readsAs).toContainText("Buy when close > SMA 20 and RSI 14 ≤ 70.");
  await expect(readsAs.getByText("Valid")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save (no changes)" })).toBeVisible();
  const threshold = page.getByRole("group", { name: "Entry, condition 2: right" }).getByRole("textbox", { name: "Value" });
  await threshold.fill("65");
  await expect(readsAs).toContainText("RSI 14 ≤ 65.");
  await keepScreenshot(page, "strategy-editor", info.project.name);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2." })).toBeVisible();
  const forkId = Number(/\/strategies\/(\d+)\/edit/.exec(page.url())?.[1]);

  // an indicator the server does not know: its 422 names the path and that node lights up
  // (indicators are listed by name, "SMA 20"; one of another length is typed as the DSL writes it)
  const sma = page.getByRole("group", { name: "Entry, condition 1: right" });
  const indicator = sma.getByRole("textbox", { name: "Indicator" });
  await expect(indicator).toHaveValue("SMA 20");
  await indicator.fill("sma0");
  await page.getByRole("option", { name: "SMA 0", exact: true }).click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(sma).toHaveAttribute("aria-invalid", "true");
  await expect(sma.getByRole("alert")).toContainText("must be an integer from 1");
  await expect(page.getByRole("alert").filter({ hasText: "Not saved: Entry rules, condition 1, right, name" })).toBeVisible();
  await indicator.fill("SMA 20");
  await page.getByRole("option", { name: "SMA 20", exact: true }).click();
  await expect(sma).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("button", { name: "Save (no changes)" })).toBeVisible();

  // the versions side by side: the version number and the threshold differ
  await page.goto("/strategies");
  await page.getByRole("button", { name: `More for ${forkName}` }).last().click();
  await page.getByRole("menuitem", { name: "Versions" }).click();
  const versions = page.getByRole("region", { name: `Versions of ${forkName}` });
  await expect(versions.getByRole("status")).toHaveText("2 line(s) differ.");
  const changed = versions.getByRole("row", { name: "changed line" });
  await expect(changed.filter({ hasText: '"version"' })).toContainText('"version": 2');
  await expect(changed.filter({ hasText: '"value"' })).toContainText('"value": 65');

  // the run form with no strategy picked says so itself (never the API's "valid integer")
  await page.goto("/backtests");
  const empty = page.getByRole("form", { name: "Run a backtest" });
  await empty.getByRole("button", { name: "Run backtest" }).click();
  await expect(empty.getByRole("textbox", { name: "Strategy" })).toHaveAttribute("aria-invalid", "true");
  await expect(empty.getByText("Pick a strategy", { exact: true })).toBeVisible();
  await page.goto("/strategies");

  // backtest the fork on V1's range through the form
  await mine.getByRole("link", { name: `Backtest ${forkName}` }).last().click();
  const form = page.getByRole("form", { name: "Run a backtest" });
  await expect(form.getByRole("textbox", { name: "Strategy" })).toHaveValue(/V1 Momentum \(fork\) \(v2\)/);
  await pick(page, form.getByRole("textbox", { name: "Universe" }), /^NIFTY 50 \(/);
  await form.getByLabel("From", { exact: true }).fill(RANGE.start_date);
  await form.getByLabel("To", { exact: true }).fill(RANGE.end_date);
  await form.getByLabel("Starting capital (₹)").fill("10,00,000");
  await form.getByRole("button", { name: "Run backtest" }).click();
  await page.waitForURL(/\/backtests\/runs\/\d+$/, { timeout: 60_000 });
  const runId = Number(/runs\/(\d+)$/.exec(page.url())?.[1]);
  const run = await json<RunOut & { strategy_id: number; strategy_version: number }>(await api.get(`/api/backtest/runs/${runId}`));
  expect([run.strategy_id, run.strategy_version]).toEqual([forkId, 2]);
  const summary = page.getByRole("list", { name: "Summary" });
  await expect(summary).toContainText(pct(run.summary.cagr, { signed: true }));
  await expect(summary).toContainText(qty(run.summary.total_trades));
  await expect(page.getByRole("img", { name: /Equity of V1 Momentum \(fork\) against NIFTY 50/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Monthly returns" }).getByRole("row", { name: /^2024/ })).toBeVisible();
  const trades = page.getByRole("region", { name: "Trades" });
  const allTrades = run.summary.total_trades + run.summary.open_trades;
  await expect(trades.getByRole("heading")).toContainText(`of ${allTrades})`);
  await expectAccessible(page);
  await keepScreenshot(page, "backtest-results", info.project.name);
  await trades.getByText("Losers", { exact: true }).click();
  await expect(trades.getByRole("heading")).not.toContainText(`(${allTrades} of`);

  // a trade opens its chart on the days around it, its entry and exit marked
  const link = trades.getByRole("row").nth(1).getByRole("link");
  const symbol = ((await link.textContent()) ?? "").trim();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/chart/${symbol}\\?run=${runId}&entry=\\d{4}-\\d{2}-\\d{2}&exit=`));
  await expect(page.getByRole("note")).toContainText(`Bought`);
  await expect(page.getByRole("note")).toContainText(`A trade of backtest run #${runId}`);
  await expect(page.getByRole("application", { name: `Daily candles of ${symbol}, the trade's entry and exit marked` })).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page);
  await keepScreenshot(page, "backtest-trade-chart", info.project.name);
  await page.getByRole("link", { name: "Back to the run" }).click();
  await page.waitForURL(new RegExp(`/backtests/runs/${runId}$`));

  // compare with V1's run: both named, the metric rows that differ are marked
  await pick(page, page.getByRole("textbox", { name: "Compare with" }), new RegExp(`^#${v1Run.id} `));
  await page.waitForURL(/\/backtests\/compare\?runs=/);
  const metrics = page.getByRole("table", { name: "Metrics compared" });
  await expect(metrics.getByRole("columnheader", { name: new RegExp(`#${runId} V1 Momentum \\(fork\\) v2`) })).toBeVisible();
  await expect(metrics.getByRole("columnheader", { name: new RegExp(`#${v1Run.id} V1 Momentum`) })).toBeVisible();
  const cagr = metrics.getByRole("row", { name: /^CAGR/ });
  await expect(cagr).toContainText(pct(v1Run.summary.cagr, { signed: true }));
  await expect(cagr).toContainText(pct(run.summary.cagr, { signed: true }));
  expect(run.summary.cagr).not.toBe(v1Run.summary.cagr); // RSI ≤ 65 trades differently from ≤ 70
  await expect(cagr).toHaveAttribute("aria-label", "CAGR (differs)");
  await expect(page.getByRole("img", { name: /rebased to 100/ })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "backtest-compare", info.project.name);

  // deploy the fork's run as a paper portfolio with its settings
  await page.goto(`/backtests/runs/${runId}`);
  await page.getByRole("button", { name: "Deploy as model portfolio" }).click();
  const deploy = page.getByRole("form", { name: "Deploy as a model portfolio" });
  await expect(deploy.getByLabel("Starting capital (₹)")).toHaveValue("1000000");
  await expect(deploy.getByRole("textbox", { name: "Universe" })).toHaveValue("NIFTY 50");
  await deploy.getByLabel("Name").fill("E2E research fork");
  await deploy.getByRole("button", { name: "Deploy on paper" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deployed E2E research fork on paper" })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Close", exact: true }).first().click();
  const portfolios = await json<{ name: string; strategy_id: number; starting_capital: string }[]>(
    await api.get("/api/model/portfolios"));
  const deployed = portfolios.find((p) => p.name === "E2E research fork");
  expect(deployed).toMatchObject({ strategy_id: forkId, strategy_version: 2, universe: "nifty_50", max_positions: 10, paper_fill: "next_open", paper_mode: true });
  expect(Number(deployed?.starting_capital)).toBe(1000000);

  // now the fork is in use: deleting it says by which portfolio
  await page.goto("/strategies");
  await mine.getByRole("button", { name: `Delete ${forkName}` }).last().click();
  await page.getByRole("dialog", { name: `Delete ${forkName}?` }).getByRole("button", { name: "Delete" }).click();
  const inUse = page.getByRole("dialog", { name: `${forkName} is in use` });
  await expect(inUse).toContainText("E2E research fork (active)");
  await expectAccessible(page);
  await inUse.getByRole("button", { name: "OK" }).click();
  await expect(mine.getByRole("row", { name: /V1 Momentum \(fork\)/ }).first()).toBeVisible();
});

test("backtest results and a comparison read on a phone @phone", async ({ page }, info) => {
  test.slow();
  const api = pageApi(page);
  const v1 = await v1Id(api);
  const a = await json<RunOut>(await api.post("/api/backtest/run", { data: { strategy_id: v1, ...RANGE } }));
  const b = await json<RunOut>(await api.post("/api/backtest/run", { data: { strategy_id: v1, ...RANGE, position_size_pct: 20, max_positions: 5 } }));
  const phone = info.project.name === "phone"; // the desktop project keeps its own in the test above
  await page.goto("/strategies");
  const templates = page.getByRole("region", { name: "Templates" });
  // on a phone the library is cards, name and version first
  await expect(phone ? templates.getByRole("listitem", { name: "V1 Momentum" }) : templates.getByRole("row", { name: /V1 Momentum/ }))
    .toContainText("2 entry · 2 exit");
  if (phone) await keepScreenshot(page, "strategies", info.project.name);
  await page.goto(`/backtests/runs/${a.id}`);
  await expect(page.getByRole("list", { name: "Summary" })).toContainText(pct(a.summary.cagr, { signed: true }));
  await expect(page.getByRole("img", { name: /^Equity of V1 Momentum/ })).toBeVisible();
  if (phone) await keepScreenshot(page, "backtest-results", info.project.name);
  await page.goto(`/backtests/compare?runs=${a.id},${b.id}`);
  const trades = page.getByLabel(/^Closed trades/); // a table row, or a card on a phone
  await expect(trades).toContainText(qty(a.summary.total_trades));
  await expect(trades).toContainText(qty(b.summary.total_trades));
  await expectAccessible(page);
  if (phone) await keepScreenshot(page, "backtest-compare", info.project.name);
});
