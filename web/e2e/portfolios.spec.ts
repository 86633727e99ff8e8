import { type APIRequestContext, expect, test } from "@playwright/test";
import { inr } from "../src/format/money";
import { expectAccessible, keepScreenshot } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

async function json<T>(api: APIRequestContext, url: string): Promise<T> {
  const res = await api.get(url);
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()) as T;
}

test("deploy shows the API's field errors on the field, then deploys; pause, resume, reset, retire", async ({ page }, info) => {
  test.slow(); // several round trips on a shared, slow machine
  await page.goto("/portfolios");
  await expect(page.getByRole("row", { name: /V1 Momentum/ })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "portfolios", info.project.name);

  await page.getByRole("button", { name: "Deploy a portfolio" }).click();
  const form = page.getByRole("form", { name: "Deploy a portfolio" });
  await form.getByRole("textbox", { name: "Strategy" }).click();
  await page.getByRole("option", { name: /V2 Breakout/ }).click();
  await expect(form.getByLabel("Version")).toHaveValue(/^v\d+ \(pinned at deploy\)$/);
  await form.getByLabel("Name").fill("E2E deploy");
  await form.getByLabel("Starting capital (₹)").fill("-5");
  await form.getByLabel("Position size (% of capital)").fill("250");
  await form.getByRole("button", { name: "Deploy" }).click();
  await expect(form.getByLabel("Starting capital (₹)")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("Must be greater than 0")).toBeVisible();
  await expect(form.getByText("Must be less than or equal to 100")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "portfolios-deploy-errors", info.project.name);

  await form.getByLabel("Starting capital (₹)").fill("2,50,000");
  await form.getByLabel("Position size (% of capital)").fill("20");
  await form.getByLabel("Max per sector").fill("2");
  await form.getByRole("button", { name: "Deploy" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deployed E2E deploy." })).toBeVisible();
  const row = page.getByRole("row", { name: /E2E deploy/ });
  await expect(row).toContainText(inr("250000"));
  await expect(row).toContainText(inr("50000"));

  await row.getByRole("button", { name: "Pause E2E deploy" }).click();
  await expect(row).toContainText("Paused");
  await row.getByRole("button", { name: "Resume E2E deploy" }).click();
  await expect(row).toContainText("Active");

  await row.getByRole("button", { name: "Reset E2E deploy" }).click();
  const reset = page.getByRole("dialog", { name: "Reset E2E deploy?" });
  await expect(reset).toContainText(`over at ${inr("250000")}`);
  await reset.getByRole("button", { name: "Reset" }).click();
  await expect(reset).toBeHidden();

  await row.getByRole("button", { name: "Retire E2E deploy" }).click();
  const retire = page.getByRole("dialog", { name: "Retire E2E deploy?" });
  await expect(retire).toContainText("stops it for good");
  await retire.getByRole("button", { name: "Retire" }).click();
  await expect(page.getByRole("row", { name: /E2E deploy/ })).toHaveCount(0);
  await page.getByText("Retired", { exact: true }).click();
  await expect(page.getByRole("row", { name: /E2E deploy/ })).toContainText("Retired");
});

test("a position closes by hand after a confirmation; history lists signals and closed positions", async ({ page }) => {
  test.slow(); // several round trips on a shared, slow machine
  await page.goto("/portfolios");
  const api = pageApi(page);
  const portfolios = await json<{ id: number; name: string }[]>(api, "/api/model/portfolios");
  const v3 = portfolios.find((p) => p.name.startsWith("V3 ")) as { id: number; name: string };
  const open = await json<{ id: number; symbol: string; quantity: number }[]>(
    api, `/api/model/positions?portfolio_id=${v3.id}&status=open`);
  const pos = open[0] as { id: number; symbol: string; quantity: number };
  const symbol = pos.symbol.replace(/^NSE:/, "");
  await page.getByRole("row", { name: new RegExp(v3.name) }).getByRole("button", { name: `History of ${v3.name}` }).click();
  const history = page.getByRole("region", { name: `History of ${v3.name}` });
  await history.getByRole("button", { name: `Close ${symbol}` }).click();
  const dialog = page.getByRole("dialog", { name: `Close ${symbol} now?` });
  await expect(dialog).toContainText(`Sells all ${pos.quantity} shares`);
  await dialog.getByRole("button", { name: "Sell to close" }).click();
  await expect(dialog).toBeHidden();
  // a next-open portfolio sells at the next open: the exit waits (exit_pending) until then
  const all = await json<{ id: number; status: string; exit_reason: string | null }[]>(
    api, `/api/model/positions?portfolio_id=${v3.id}&limit=200`);
  const now = all.find((p) => p.id === pos.id);
  expect(["exit_pending", "closed"]).toContain(now?.status);
  if (now?.status === "closed") {
    expect(now.exit_reason).toBe("manual");
    await history.getByRole("tab", { name: /Closed positions/ }).click();
    await expect(history.getByRole("row", { name: new RegExp(`${symbol}.*Manual`) })).toBeVisible();
  } else {
    await expect(history.getByRole("row", { name: new RegExp(symbol) })).toContainText("Exit pending");
  }
  await history.getByRole("tab", { name: /Signals/ }).click();
  await expect(history.getByRole("table", { name: `Signals of ${v3.name}` })).toBeVisible();
  await expectAccessible(page);
});
