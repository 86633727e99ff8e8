import { expect, request, test } from "@playwright/test";
import { demoApi, expectAccessible, keepScreenshot, signIn } from "./support";

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
  const agents = page.getByRole("table", { name: "Agents" });
  await expect(agents.getByRole("row").filter({ hasText: `e2e-agent-${info.project.name}` })).toContainText("0.5.2");
  await expect(page.getByText("Obfuscated: figures scaled by the agent")).toBeVisible();
  await expect(page.getByText("Available cash ₹2,50,000.75")).toBeVisible();
  await expect(page.getByRole("table", { name: "kite positions" })).toContainText("NSE:INFY");
  await expect(page.getByRole("switch", { name: /Scale what the agent sends/ })).not.toBeChecked();
  await expect(page.getByText("Figures scaled with another factor than the agent's first are refused.")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "settings-trading-agent", info.project.name);
});
