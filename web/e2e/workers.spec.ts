// Algo workers in the browser: a token created on the page drives a worker run over the
// worker HTTP API from inside the test (as the SDK would); the run's page shows its P&L
// moving live and its timeline growing, a bad protection value on its field, then the exit
// preview and the exit. Screenshots at desktop and phone width.
import { type APIRequestContext, expect, request, test } from "@playwright/test";
import { expectAccessible, keepScreenshot, tableRows } from "./support";
import { base, shareSignIn } from "./session";

shareSignIn(test);

async function worker(token: string): Promise<APIRequestContext> {
  return request.newContext({ baseURL: base(), extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
}

async function ok<T>(answer: Awaited<ReturnType<APIRequestContext["post"]>>): Promise<T> {
  expect(answer.ok(), await answer.text()).toBeTruthy();
  return (await answer.json()) as T;
}

const order = (symbol: string, quantity: number) => ({
  exchange: "NSE", tradingsymbol: symbol, transaction_type: "BUY", variety: "regular", product: "CNC", order_type: "MARKET", quantity, validity: "DAY",
});

test("a worker run started inside the test: live P&L, a growing timeline, protection, exit preview then exit @phone", async ({ page }, info) => {
  test.slow();
  // a token, created on the page and shown once
  await page.goto("/workers/tokens");
  const form = page.getByRole("region", { name: "New token" });
  await form.getByRole("textbox", { name: "Token name" }).fill(`e2e ${info.project.name}`);
  // the scope the SDK's quick start uses when KITE_ALGO_ACCOUNT_SCOPE is unset, offered first
  await expect(form.getByRole("textbox", { name: "Account scope" })).toHaveValue("kite:paper-a");
  await form.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("textbox", { name: "New worker token" });
  await expect(shown).toHaveValue(/^kwa_/);
  const token = await shown.inputValue();
  await expect(page.getByRole("button", { name: "Copy New worker token" })).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(tableRows(page, "Worker tokens").filter({ hasText: `e2e ${info.project.name}` }).first()).toContainText("Active");
  await expectAccessible(page);
  await keepScreenshot(page, "worker-tokens", info.project.name);

  // the worker: a paper run in the SDK's default scope, its session, orders and a decision,
  // over the worker API (a token of the form's default scope may create it)
  const w = await worker(token);
  const runKey = `run_e2e_${info.project.name}_${Date.now()}`;
  const name = `E2E momentum (${info.project.name})`;
  await ok(await w.post("/api/algo-workers/worker/runs", {
    data: {
      template_id: "basic-equity", account_scope: "kite:paper-a", execution_mode: "paper", strategy_run_id: runKey,
      risk_schema: [{ key: "max_loss", label: "Max loss (₹)", value: 5000 }], runtime_state: { risk: { max_loss: 5000 } },
      metadata: { strategy_name: name },
    },
  }));
  const { worker_session_nonce: nonce } = await ok<{ worker_session_nonce: string }>(await w.post(`/api/algo-workers/worker/runs/${runKey}/claim-session`));
  const session = { "X-Worker-Session-Nonce": nonce };
  await ok(await w.post(`/api/algo-workers/worker/runs/${runKey}/heartbeat`, { headers: session, data: { status: "healthy" } }));
  for (const [i, symbol] of ["INFY", "RELIANCE", "TCS"].entries()) {
    await ok(await w.post(`/api/algo-workers/worker/runs/${runKey}/intents`, {
      headers: session,
      data: { intent_type: "place_order", payload: { order: order(symbol, 50) }, idempotency_key: `${runKey}:entry:${i}`, metadata: {} },
    }));
  }
  const decide = (summary: string) => w.post(`/api/algo-workers/worker/runs/${runKey}/decision-events`, {
    headers: session, data: { decision_type: "signal", action: "enter", summary },
  });
  await ok(await decide("momentum entry on three names"));

  // the run card, then the run
  await page.goto("/workers");
  const card = page.getByRole("article", { name: `Run ${name}` });
  await expect(card).toContainText("Paper");
  await expect(card).toContainText("Healthy");
  await keepScreenshot(page, "worker-runs", info.project.name);
  await card.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  const net = page.getByLabel("Net P&L", { exact: true });
  await expect(tableRows(page, "Legs")).toHaveCount(3);
  // live: the simulated feed moves the marks and the P&L stream carries each change here
  const first = await net.textContent();
  await expect.poll(() => net.textContent(), { timeout: 30_000, intervals: [250] }).not.toBe(first);

  // the timeline grows as the worker logs
  const events = page.getByRole("list", { name: "Events" }).getByRole("listitem");
  const before = await events.count();
  await ok(await decide("adding on strength"));
  await expect(events).toHaveCount(before + 1);
  await expect(events.first()).toContainText("Signal: adding on strength");
  const timeline = page.getByRole("region", { name: "Timeline" });
  await timeline.getByText("Decisions", { exact: true }).click();
  await expect(events).toHaveCount(2);
  await timeline.getByText("All", { exact: true }).click();
  await expect(events).toHaveCount(before + 1);
  await expectAccessible(page);
  await page.evaluate(() => window.scrollTo(0, 0)); // the P&L first, as a trader opens it
  await keepScreenshot(page, "worker-run", info.project.name);

  // protection: the API's 422 lands on the field; a good value saves a new version
  const protection = page.getByRole("region", { name: "Backend protection" });
  await protection.getByRole("button", { name: "Add position" }).click();
  const position = protection.getByRole("group", { name: "Protected position 1" });
  await position.getByRole("textbox", { name: "Symbol" }).fill("NSE:INFY");
  await position.getByRole("textbox", { name: "Quantity" }).fill("-5");
  await position.getByRole("textbox", { name: "Entry price" }).fill("1500");
  await position.getByRole("textbox", { name: "Stop loss %" }).fill("2");
  await protection.getByText("Protection on", { exact: true }).click();
  await protection.getByRole("button", { name: "Save protection" }).click();
  await expect(position.getByRole("textbox", { name: "Quantity" })).toHaveAttribute("aria-invalid", "true");
  await expect(protection.getByRole("alert")).toContainText("Not saved");
  await position.getByRole("textbox", { name: "Quantity" }).fill("50");
  await protection.getByRole("button", { name: "Save protection" }).click();
  await expect(protection.getByRole("status")).toHaveText("Saved: protection version 1.");
  await expect(protection.getByText("Active", { exact: true })).toBeVisible();
  await expect(protection.getByRole("alert")).toBeHidden();

  // exit: the dry run first, then the exit
  await page.getByRole("button", { name: "Exit run…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("region", { name: "Exit preview" })).toContainText("Sell 50 INFY at market");
  await expect(dialog).toContainText("nothing has been sent yet");
  await dialog.getByRole("button", { name: "Exit now" }).click();
  await expect(dialog.getByRole("status")).toHaveText(/^Exit (done: the run is closed|sent: the closing orders are working)/);
  await dialog.getByRole("button", { name: "Close", exact: true }).first().click();
  await expect(tableRows(page, "Orders")).toHaveCount(6, { timeout: 30_000 }); // 3 in, 3 out
  await expect(page.getByText("Exited", { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Exit run…" })).toBeDisabled();
  await w.dispose();
});
