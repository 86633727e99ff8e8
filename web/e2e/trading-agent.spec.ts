import { expect, request, test } from "@playwright/test";
import { demoApi, expectAccessible, keepScreenshot, signIn, tableOrCards, tableRows } from "./support";

test("the trading agent panel shows the agent's poll, version and what it synced @phone", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL ?? "");
  const issued = await api.post("/api/agent/keys", { data: { name: `e2e-agent-${info.project.name}` } });
  expect(issued.ok()).toBeTruthy();
  const key = { Authorization: `Bearer ${(await issued.json()).api_key}` };
  // The agent: no cookie, no browser headers; its key only.
  const agent = await request.newContext({ baseURL });
  const poll = await agent.get("/api/agent/pending-signals", {
    headers: { ...key, "X-Agent-Version": "0.5.2", "X-Agent-Health": "cloud=ok broker=ok", "X-Agent-Poll-Interval": "30" },
  });
  expect(poll.ok()).toBeTruthy();
  const synced = await agent.post("/api/agent/sync-positions", {
    headers: key,
    data: {
      broker: "kite",
      as_of: new Date().toISOString(),
      obfuscated: true,
      // a salted hash of the agent's factor, never the factor: the account keeps the first
      factor_fingerprint: "ab".repeat(16),
      positions: [{ exchange: "NSE", tradingsymbol: "INFY", quantity: 137, average_price: "1400.5", last_price: "1500", pnl: "13630.5" }],
      margins: { available_cash: "250000.75", used: "1000", net: "249000.75" },
    },
  });
  expect(synced.ok()).toBeTruthy();

  await signIn(page, "/settings/agent");
  await expect(page.getByText("Polling", { exact: true }).first()).toBeVisible();
  await expect(tableRows(page, "Agents").filter({ hasText: `e2e-agent-${info.project.name}` })).toContainText("0.5.2");
  await expect(page.getByText("Obfuscated: figures scaled by the agent")).toBeVisible();
  await expect(page.getByText("Available cash ₹2,50,000.75")).toBeVisible();
  await expect(tableOrCards(page, "kite positions")).toContainText("INFY NSE");
  await expect(page.getByRole("switch", { name: /Scale what the agent sends/ })).not.toBeChecked();
  await expect(page.getByText("Figures scaled with another factor than the agent's first are refused.")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "settings-trading-agent", info.project.name);
});

test("deploy an agent-run portfolio from the form and hand its cart to the agent; its dashboard shows the agent, its broker's margins, and warns when it stops polling", async ({ page, baseURL }, info) => {
  test.slow(); // it deploys, scans and places, then waits for three missed polls of one second each
  const api = await demoApi(baseURL ?? "");
  const issued = await api.post("/api/agent/keys", { data: { name: `e2e-quiet-agent-${info.project.name}` } });
  const key = { Authorization: `Bearer ${(await issued.json()).api_key}` };
  const agent = await request.newContext({ baseURL });
  // the agent polls once, every second it says, and syncs its margins; then it goes quiet
  const poll = await agent.get("/api/agent/pending-signals", { headers: { ...key, "X-Agent-Version": "0.5.2", "X-Agent-Poll-Interval": "1" } });
  expect(poll.ok()).toBeTruthy();
  const { server_time: now } = (await poll.json()) as { server_time: string };
  const synced = await agent.post("/api/agent/sync-positions", {
    headers: key,
    data: { broker: "kite", as_of: now, positions: [], margins: { available_cash: "123456.50", used: "2000", net: "121456.50" } },
  });
  expect(synced.ok(), await synced.text()).toBeTruthy();

  // The deploy form: "Agent" places at an agent broker, live; its last heartbeat beside it.
  const name = `E2E by the agent ${info.project.name}`;
  await signIn(page, "/portfolios");
  await page.getByRole("button", { name: "Deploy a portfolio" }).click();
  const form = page.getByRole("form", { name: "Deploy a portfolio" });
  await form.getByRole("textbox", { name: "Strategy" }).click();
  await page.getByRole("option", { name: /^V1 Momentum \(v\d+\)$/ }).click();
  await form.getByLabel("Name").fill(name);
  await form.getByRole("textbox", { name: "Universe" }).click();
  await page.getByRole("option", { name: /^nifty[_ ]50 \(/i }).click();
  await form.getByRole("radio", { name: /^Agent/ }).check();
  await expect(form.getByText(/^Agent last seen \d+ (s|min) ago \(\d{2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} IST\)/)).toBeVisible();
  await expect(form.getByRole("textbox", { name: "Broker" })).toHaveValue("Kite");
  await expect(form.getByText("Live: your agent places these orders at Kite with real money.")).toBeVisible();
  // what the agent places: a GTT unless chosen; an immediate limit order here
  const placement = form.getByRole("textbox", { name: "The agent places" });
  await expect(placement).toHaveValue("GTT");
  await placement.click();
  await page.getByRole("option", { name: "Limit order" }).click();
  await expect(form.getByText(/an order at once, at the signal's limit price/)).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "portfolios-deploy-agent", info.project.name);
  await form.getByRole("button", { name: "Deploy" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Deployed ${name}.` })).toBeVisible();
  const listed = (await (await api.get("/api/model/portfolios")).json()) as { id: number; name: string; executor: string; agent_placement: string }[];
  const made = listed.find((p) => p.name === name);
  expect(made?.executor).toBe("agent");
  expect(made?.agent_placement).toBe("limit");
  const id = made?.id as number;
  // a fresh deploy scans the last session by itself (the scheduler); a scan now is the same
  const scan = await api.post("/api/model/scan", { data: { portfolio_id: id } });
  expect(scan.ok(), await scan.text()).toBeTruthy();
  const pending = (await (await api.get(`/api/model/signals?portfolio_id=${id}&status=pending_approval`)).json()) as unknown[];
  expect(pending.length).toBeGreaterThan(0);

  await page.goto(`/dashboard?portfolio=${id}`);
  const panel = page.getByRole("region", { name: "Placed by your agent at Kite" });
  await expect(panel).toBeVisible();
  await expect(page.getByText("Live by the agent · NIFTY 50")).toBeVisible();
  await expect(panel.getByText("₹1,23,456.50")).toBeVisible();
  await expect(panel.getByText(/version 0\.5\.2/)).toBeVisible();
  // the running portfolio's placement, changed on its dashboard through the API
  const chosen = panel.getByRole("textbox", { name: "The agent places" });
  await expect(chosen).toHaveValue("Limit order");
  await chosen.click();
  await page.getByRole("option", { name: "Market order" }).click();
  await expect(chosen).toHaveValue("Market order");
  const placementNow = async () =>
    ((await (await api.get("/api/model/portfolios")).json()) as { id: number; agent_placement: string }[]).find((p) => p.id === id)?.agent_placement;
  await expect.poll(placementNow).toBe("market");
  // its cart goes to the agent, and says so (not "Placed 0 signals")
  await page.getByRole("button", { name: "Approve all" }).click();
  await page.getByRole("button", { name: `Place cart (${pending.length})` }).click();
  const dialog = page.getByRole("dialog", { name: "Place the cart?" });
  await expect(dialog).toContainText("Your agent places these at Kite from your machine on its next poll");
  await dialog.getByRole("button", { name: "Hand to the agent" }).click();
  const handed = `${pending.length} signal${pending.length === 1 ? "" : "s"} handed to your agent: it places them at Kite on its next poll.`;
  await expect(page.getByRole("status").filter({ hasText: handed })).toBeVisible();
  // three of its one-second intervals without a poll: the panel's next refresh warns
  await expect(panel.getByRole("alert").filter({ hasText: "The agent is not polling" })).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByText("Not polling", { exact: true })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "dashboard-agent-portfolio", info.project.name);
});

test("an older agent gets the 'latest version' banner, and What's new lists the release", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL ?? "");
  const issued = await api.post("/api/agent/keys", { data: { name: `e2e-old-agent-${info.project.name}` } });
  const key = { Authorization: `Bearer ${(await issued.json()).api_key}` };
  const agent = await request.newContext({ baseURL });
  const poll = await agent.get("/api/agent/pending-signals", { headers: { ...key, "X-Agent-Version": "0.0.9" } });
  expect(poll.ok()).toBeTruthy();
  const notes = (await (await api.get("/api/trading-agent/release")).json()) as { latest_version: string };

  await signIn(page, "/settings/agent");
  const banner = page.getByRole("status").filter({ hasText: `A newer agent is out: ${notes.latest_version}` });
  await expect(banner).toContainText("Yours is 0.0.9");
  await expect(banner).toContainText('pip install --upgrade "./agent[all]"'); // the repository's path: the name is not on PyPI
  await expectAccessible(page);
  await banner.getByRole("link", { name: "What's new" }).click();
  await expect(page).toHaveURL(/\/settings\/whats-new$/);
  const latest = page.getByRole("region", { name: `Release ${notes.latest_version}` });
  await expect(latest.getByText("Latest", { exact: true })).toBeVisible();
  await expect(latest.getByRole("heading", { name: "Local agent" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "settings-whats-new", info.project.name);
});
