// The agent's local UI as a trader meets it on a phone: the consolidated dashboard with the
// drift warning, a signal approved (placed at the fake Kite at the next poll) and one
// rejected, holdings, brokers, settings (ignoring a symbol clears its drift) and the PIN;
// a page on another origin cannot approve anything. Each screenshot (docs/screenshots/agent-*.png)
// follows an axe check of the page (nothing serious or critical).
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

const shots = "../../docs/screenshots";

/** A screenshot of what the phone shows, after axe finds nothing serious on the page. */
async function shot(page: Page, name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}: ${v.nodes.map((n) => n.html.slice(0, 120)).join(" | ")}`)).toEqual([]);
  await page.screenshot({ path: `${shots}/agent-${name}.png`, fullPage: false });
}

test.describe.configure({ mode: "serial" });

test("the dashboard adds up the broker and warns of drift and waiting signals", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "All brokers" })).toBeVisible();
  // 250 SBIN × 811.05 + 120 RELIANCE × 1,287.65 + 60 HDFCBANK × 1,691.25 + 40 INFY × 1,512.40
  // + 15 TCS × 3,236.80, in Indian grouping.
  await expect(page.getByText("₹5,67,803.50", { exact: true })).toBeVisible();
  await expect(page.getByText("+₹33,740.00 (+6.32%)")).toBeVisible();
  await expect(page.getByRole("button", { name: /2 signals wait for your approval/ })).toBeVisible();
  await expect(page.getByText("NSE:RELIANCE")).toBeVisible();
  await expect(page.getByText("cloud 100 · broker 120")).toBeVisible();
  await expect(page.getByRole("link", { name: /Signals/ }).getByLabel("2 waiting")).toBeVisible();
  await shot(page, "dashboard");
});

test("a page on another origin cannot approve a signal", async ({ page, baseURL }) => {
  const other = baseURL!.replace("127.0.0.1", "localhost");
  await page.goto(`${other}/`);
  const status = await page.evaluate(async (target) => {
    // What a hostile page can send without a CORS preflight: a "simple" cross-origin POST.
    await fetch(`${target}/api/signals/102/approve`, { method: "POST", mode: "no-cors", body: "{}" }).catch(() => null);
    const json = await fetch(`${target}/api/signals/102/approve`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    }).then((r) => r.status, () => "blocked");
    return json;
  }, baseURL!);
  expect(status).toBe("blocked"); // the preflight gets no CORS grant
  const signals = await (await page.request.get(`${baseURL}/api/signals`)).json();
  expect(signals.signals.find((s: { id: number }) => s.id === 102).state).toBe("waiting");
});

test("approve places the signal at the next poll; reject keeps it off the broker", async ({ page }) => {
  await page.goto("/#/signals");
  const infy = page.locator("li.signal", { hasText: "NSE:INFY" });
  const hdfc = page.locator("li.signal", { hasText: "NSE:HDFCBANK" });
  await expect(infy.getByText("Waiting for you", { exact: true })).toBeVisible();
  await expect(page.getByText("Manual mode: a signal goes to the broker only after you approve it here.")).toBeVisible();
  await shot(page, "signals-waiting");
  await infy.getByRole("button", { name: "Approve" }).click();
  await expect(infy.getByText("Approved", { exact: true })).toBeVisible();
  await hdfc.getByRole("button", { name: "Reject" }).click();
  await expect(hdfc.getByText("Rejected", { exact: true })).toBeVisible();
  // The agent polls every 5 s: the approved entry becomes a GTT at the fake Kite.
  await expect(page.getByText(/Kite GTT \d+/)).toBeVisible({ timeout: 20_000 });
  await expect(infy.getByText(/Entry GTT \d+ at Kite: placed/)).toBeVisible();
  await expect(page.getByRole("link", { name: /Signals/ }).locator(".badge")).toHaveCount(0);
  await shot(page, "signals");
});

test("holdings and positions", async ({ page }) => {
  await page.goto("/#/holdings");
  await expect(page.getByRole("heading", { name: "5 holdings" })).toBeVisible();
  await expect(page.getByText("RELIANCE", { exact: true })).toBeVisible();
  await shot(page, "holdings");
  await page.getByRole("tab", { name: "Positions" }).click();
  await expect(page.getByText("No open positions today.")).toBeVisible();
});

test("brokers show their login state; Upstox logs in through its dialog and back", async ({ page }) => {
  await page.goto("/#/brokers");
  const kite = page.locator("section.card", { hasText: "Kite" }).first();
  const upstox = page.locator("section.card", { hasText: "Upstox" });
  await expect(kite.getByText("Connected")).toBeVisible();
  await expect(kite.getByRole("button", { name: "Log in again" })).toBeVisible();
  await expect(upstox.getByText("Not logged in")).toBeVisible();
  await shot(page, "brokers");
  await upstox.getByRole("button", { name: "Log in to Upstox" }).click();
  // The fake Upstox's dialog approves at once and sends the browser back to the agent.
  await expect(page.getByText("Logged in to Upstox. The session is saved on this machine.")).toBeVisible();
  await expect(upstox.getByText("Connected")).toBeVisible();
  await shot(page, "brokers-logged-in");
  // Both brokers now add up on the dashboard (Upstox read only).
  await page.goto("/#/dashboard");
  await expect(page.getByRole("heading", { name: "Upstox (read only)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Kite (places orders)" })).toBeVisible();
  await page.getByRole("heading", { name: "Kite (places orders)" }).scrollIntoViewIfNeeded();
  await shot(page, "dashboard-two-brokers");
});

test("ignoring a symbol clears its drift; mutual funds and uploads say what is not there", async ({ page }) => {
  await page.goto("/#/settings");
  await page.getByLabel("Symbol").fill("reliance");
  await page.getByRole("button", { name: "Ignore" }).click();
  await expect(page.getByText("RELIANCE ignored")).toBeVisible();
  await expect(page.getByRole("button", { name: "Stop ignoring NSE:RELIANCE" })).toBeVisible();
  await page.getByLabel("Stop loss").fill("80");
  await page.getByLabel("Stop loss").locator("xpath=ancestor::form").getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("stop_loss_pct: between 0.1 and 50")).toBeVisible();
  await page.getByLabel("Stop loss").fill("4");
  await page.getByLabel("Stop loss").locator("xpath=ancestor::form").getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Stop loss saved")).toBeVisible();
  await shot(page, "settings");
  // Turning auto-execute on asks first; off does not.
  page.once("dialog", (dialog) => void dialog.dismiss());
  await page.getByLabel(/Auto-execute/).click();
  await expect(page.getByLabel(/Auto-execute/)).not.toBeChecked();
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByLabel(/Auto-execute/).click();
  await expect(page.getByText("Auto-execute on")).toBeVisible();
  await expect(page.getByText("Running · Auto")).toBeVisible();
  await page.getByLabel(/Auto-execute/).click();
  await expect(page.getByText("Auto-execute off: signals wait for approval")).toBeVisible();
  await page.goto("/#/dashboard");
  await expect(page.getByText("The broker holds what the cloud expects.")).toBeVisible({ timeout: 20_000 });
  await page.goto("/#/more");
  await page.getByRole("link", { name: "Mutual funds" }).click();
  await expect(page.getByText(/None yet/)).toBeVisible();
  await shot(page, "mutual-funds");
  await page.goto("/#/uploads");
  await expect(page.getByText(/Not in this version: the cloud does not yet take uploads from the agent/)).toBeVisible();
});

test("a PIN once set is asked for", async ({ page, browser }) => {
  await page.goto("/#/settings");
  await page.getByLabel("PIN", { exact: true }).fill("2468");
  await page.getByRole("button", { name: "Set PIN" }).click();
  await expect(page.getByText("PIN set: other browsers must enter it")).toBeVisible();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } }); // another phone
  const other = await context.newPage();
  await other.goto(page.url().replace(/#.*$/, ""));
  await expect(other.getByRole("heading", { name: "Enter the PIN" })).toBeVisible();
  await shot(other, "pin");
  await other.getByLabel("PIN").fill("1111");
  await other.getByRole("button", { name: "Open" }).click();
  await expect(other.getByText("Wrong PIN")).toBeVisible();
  await other.getByLabel("PIN").fill("2468");
  await other.getByRole("button", { name: "Open" }).click();
  await expect(other.getByRole("heading", { name: "All brokers" })).toBeVisible();
  await context.close();
  await page.getByRole("button", { name: "Remove the PIN" }).click();
  await expect(page.getByText("PIN removed")).toBeVisible();
});
