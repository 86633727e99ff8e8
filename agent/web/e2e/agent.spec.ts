// The agent's local UI as a trader meets it on a phone: the consolidated dashboard with the
// drift warning, a signal approved (placed at the fake Kite at the next poll) and one
// rejected, holdings, brokers (Upstox's dialog, Groww's key flow), settings (ignoring a
// symbol clears its drift), mutual funds, a tradebook uploaded scaled, and the PIN; a page on
// another origin cannot approve anything. Each screenshot (docs/screenshots/agent-*.png)
// follows an axe check of the page (nothing serious or critical) and the web app's layout
// check (no button, chip or figure cut by its card or lying on another).
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { expectLaidOut } from "../../../web/e2e/support";

const shots = "../../docs/screenshots";

/** The agent UI's own pieces the layout check judges, beside buttons and links. */
const AGENT_PIECES = ["a", ".chip", ".badge", ".pnl", ".figure .value", ".hero .big"];

/** A screenshot of what the phone shows, after axe finds nothing serious on the page and
 * nothing is cut or crowded. */
async function shot(page: Page, name: string) {
  await expectLaidOut(page, `agent ${name}`, { also: AGENT_PIECES });
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
  // the drift names the instrument as a trader reads it, not the key NSE:RELIANCE
  await expect(page.locator("li.row", { hasText: "cloud 100 · broker 120" }).locator("strong")).toHaveText("RELIANCE");
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
  const infy = page.locator("li.signal", { hasText: "INFY" });
  const hdfc = page.locator("li.signal", { hasText: "HDFCBANK" });
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

test("ignoring a symbol clears its drift", async ({ page }) => {
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
  await expect(page.getByText("Kite holds what the cloud expects.")).toBeVisible({ timeout: 20_000 });
});

test("mutual funds as the cloud values them", async ({ page }) => {
  await page.goto("/#/more");
  await page.getByRole("link", { name: "Mutual funds" }).click();
  await expect(page.getByText("₹6,12,474.47", { exact: true })).toBeVisible();
  await expect(page.getByText("Parag Parikh Flexi Cap Fund - Direct Plan - Growth")).toBeVisible();
  await expect(page.getByText("14.32%", { exact: true })).toBeVisible(); // every fund's XIRR
  await expect(page.getByText("+₹1,12,474.47", { exact: true })).toBeVisible();
  await shot(page, "mutual-funds");
});

/** A Zerodha Console tradebook: 1,000 INFY bought at 1,500 and 400 TCS at 3,200. */
const TRADEBOOK = [
  "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,order_execution_time",
  "INFY,INE009A01021,2026-11-02,NSE,EQ,EQ,buy,false,1000.000000,1500.000000,T1,1100000000000000001,2026-11-02T10:15:00",
  "TCS,INE467B01029,2026-11-03,NSE,EQ,EQ,buy,false,400.000000,3200.000000,T2,1100000000000000002,2026-11-03T10:15:00",
].join("\n");

test("a tradebook goes to the cloud scaled; the page shows the real shares beside the scaled", async ({ page }) => {
  await page.goto("/#/uploads");
  await expect(page.getByText(/Obfuscation is on: quantities, prices and amounts are multiplied by your secret factor/)).toBeVisible();
  await page.getByLabel(/File \(XLSX or CSV/).setInputFiles({ name: "tradebook-ZX1234-EQ.csv", mimeType: "text/csv", buffer: Buffer.from(TRADEBOOK) });
  await page.getByRole("button", { name: "Send to TraderTape" }).click();
  const result = page.locator("section.card", { hasText: "tradebook-ZX1234-EQ.csv" });
  await expect(result.getByText("Imported", { exact: true })).toBeVisible();
  await expect(result.getByText("scaled by your factor")).toBeVisible();
  // 1,400 real shares; the cloud sees them times the factor (never 1,400)
  await expect(result.getByText(/^1,400 \(the cloud sees [\d,.]+\)$/)).toBeVisible();
  await expect(result.getByText("1,400 (the cloud sees 1,400)")).toHaveCount(0);
  await result.getByText(/the cloud sees/).scrollIntoViewIfNeeded();
  await shot(page, "uploads");
});

test("Groww logs in from the Brokers page by its key flow", async ({ page }) => {
  await page.goto("/#/brokers");
  const groww = page.locator("section.card", { hasText: "Groww" });
  await expect(groww.getByText("Not logged in")).toBeVisible();
  await groww.getByLabel(/TOTP code/).fill("111111");
  await groww.getByRole("button", { name: "Log in to Groww" }).click();
  await expect(groww.getByText(/Groww refused the key/)).toBeVisible();
  await groww.getByLabel(/TOTP code/).fill("246810");
  await groww.getByRole("button", { name: "Log in to Groww" }).click();
  await expect(groww.getByText(/Logged in to Groww/)).toBeVisible();
  await expect(groww.getByText("Connected")).toBeVisible();
  await shot(page, "brokers-groww");
});

test("a PIN once set is asked for", async ({ page, browser }) => {
  await page.goto("/#/settings");
  await page.getByLabel("PIN", { exact: true }).fill("246813");
  await page.getByRole("button", { name: "Set PIN" }).click();
  await expect(page.getByText("PIN set: other browsers must enter it")).toBeVisible();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } }); // another phone
  const other = await context.newPage();
  await other.goto(page.url().replace(/#.*$/, ""));
  await expect(other.getByRole("heading", { name: "Enter the PIN" })).toBeVisible();
  await shot(other, "pin");
  await other.getByLabel("PIN").fill("111111");
  await other.getByRole("button", { name: "Open" }).click();
  await expect(other.getByText("Wrong PIN")).toBeVisible();
  await other.getByLabel("PIN").fill("246813");
  await other.getByRole("button", { name: "Open" }).click();
  await expect(other.getByRole("heading", { name: "All brokers" })).toBeVisible();
  await context.close();
  await page.getByRole("button", { name: "Remove the PIN" }).click();
  await expect(page.getByText("PIN removed")).toBeVisible();
});
