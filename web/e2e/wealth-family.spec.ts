// Upload → journal → wealth → family, as a household does it: the demo trader uploads a
// tradebook (made-up trades, one position still open) and a mutual fund CAS (a made-up PDF,
// with its password), compares the journal with an imported NIFTY 50 history, turns a
// Patterns finding into a backtested strategy, values the fund at an imported AMFI NAV,
// then starts a family group and invites Meera by e-mail. Meera opens the link signed out,
// signs in with the code mailed to her, and joins; the family view merges the ITC both hold
// into one row, and the switcher scopes Wealth and the Journal to the two of them.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { type APIRequestContext, type Browser, type Page, expect, test } from "@playwright/test";
import { base, pageApi, shareSignIn } from "./session";
import { expectAccessible as axeCheck, keepScreenshot, latestOtp } from "./support";

shareSignIn(test);

const root = resolve(import.meta.dirname, "..", "..");
const MEERA = "meera.sharma@example.com";
const COLUMNS = [
  "symbol", "isin", "trade_date", "exchange", "segment", "series", "trade_type", "auction",
  "quantity", "price", "trade_id", "order_id", "order_execution_time",
];
const ISIN: Record<string, string> = { ITC: "INE154A01025", SBIN: "INE062A01020", HDFCBANK: "INE040A01034", TCS: "INE467B01029" };
type Row = [string, string, "buy" | "sell", number, string];

// The demo trader: ITC held (100 bought, none sold); three closed round trips, two of them
// held two days (0-3 days) and one six days; all in FY 2023-24 (the journal spec's figures
// are FY 2024-25's).
const MINE: Row[] = [
  ["ITC", "2023-05-02", "buy", 100, "420.00"],
  ["HDFCBANK", "2023-06-05", "buy", 20, "1500.00"],
  ["HDFCBANK", "2023-06-07", "sell", 20, "1560.00"],
  ["SBIN", "2023-07-03", "buy", 10, "800.00"],
  ["SBIN", "2023-07-05", "sell", 10, "790.00"],
  ["SBIN", "2023-08-01", "buy", 10, "810.00"],
  ["SBIN", "2023-08-07", "sell", 10, "835.00"],
];
// Meera: ITC held too (50), and a TCS round trip.
const HERS: Row[] = [
  ["ITC", "2023-05-10", "buy", 50, "430.00"],
  ["TCS", "2023-09-04", "buy", 4, "4300.00"],
  ["TCS", "2023-09-11", "sell", 4, "4350.00"],
];

function tradebook(account: string, rows: Row[]) {
  const lines = rows.map(([symbol, day, side, quantity, price], i) => [
    symbol, ISIN[symbol], day, "NSE", "EQ", "EQ", side, "false", `${quantity}.000000`, price,
    `${account}${i + 1}`, `${account}00${i + 1}`, `${day}T10:0${i % 10}:00`,
  ]);
  const text = [COLUMNS, ...lines].map((r) => r.join(",")).join("\n") + "\n";
  return { name: `tradebook-${account}-EQ-2023-04-01-to-2024-03-31.csv`, mimeType: "text/csv", buffer: Buffer.from(text) };
}

/** A made-up CAMS summary CAS (tests/statement_files.py), password-protected as CAS PDFs are. */
function casPdf() {
  const script = "import base64,sys; from tests.statement_files import cams_summary_pdf; sys.stdout.write(base64.b64encode(cams_summary_pdf()).decode())";
  const out = execFileSync(join(root, ".venv", "bin", "python"), ["-c", script], { cwd: root }).toString();
  return { name: "cas-summary.pdf", mimeType: "application/pdf", buffer: Buffer.from(out, "base64") };
}
const CAS_PASSWORD = "ABCDE1234F";

/** NIFTY 50's closes, every weekday of FY 2023-24, as niftyindices.com's CSV lays them out. */
function niftyCsv() {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const lines = ["Date,Open,High,Low,Close"];
  let close = 22000;
  for (let d = new Date(Date.UTC(2023, 3, 3)); d <= new Date(Date.UTC(2024, 2, 28)); d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    close = Math.round((close * (1 + Math.sin(d.getTime() / 4e8) * 0.004 + 0.0004)) * 100) / 100;
    const day = `${String(d.getUTCDate()).padStart(2, "0")}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
    lines.push(`${day},${close},${close},${close},${close}`);
  }
  return { name: "NIFTY 50_Historical_Data.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n") + "\n") };
}

/** AMFI's NAVAll.txt with the CAS's scheme at a NAV of the server's today (20 Nov 2026). */
function navAll() {
  const text = [
    "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date",
    "", "Open Ended Schemes(Equity Scheme - Flexi Cap Fund)", "", "Example Mutual Fund", "",
    "100001;INF000X01010;-;EX01-Example Flexi Cap Fund - Direct Plan - Growth;125.2500;20-Nov-2026",
  ].join("\n");
  return { name: "NAVAll.txt", mimeType: "text/plain", buffer: Buffer.from(text) };
}

/** The invitation link mailed to `email` (the outbox, without SMTP). */
function inviteLink(email: string): string {
  const out = execFileSync(join(root, ".venv", "bin", "tradertape"), ["outbox", "--to", email, "--limit", "1"], {
    env: { ...process.env, TRADERTAPE_DATA_DIR: process.env.E2E_DATA_DIR },
    cwd: root,
  }).toString();
  const found = /https?:\/\/\S+\/family\/invite#group=\d+&token=[A-Za-z0-9_-]+/.exec(out);
  if (!found) throw new Error(`no invitation to ${email} in:\n${out}`);
  return found[0];
}

/** The next answer of the API `path` the page receives (the one it then draws). */
function answerTo(page: Page, path: string) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === "GET" && r.ok());
}

async function json<T>(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<T> {
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()) as T;
}

/** The accessibility check with the pointer off the tables (a hovered row is shaded darker). */
async function expectAccessible(page: Page) {
  await page.mouse.move(0, 0);
  await axeCheck(page);
}

/** ₹ in Indian grouping as the page writes it: "12345.5" → "₹12,345.50". */
function inr(value: string, signed = false): string {
  const n = Number(value);
  const [int = "0", frac = "00"] = Math.abs(n).toFixed(2).split(".");
  const grouped = int.length <= 3 ? int : `${int.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ",")},${int.slice(-3)}`;
  const sign = n < 0 ? "-" : signed && n > 0 ? "+" : "";
  return `${sign}₹${grouped}.${frac}`;
}

async function pick(page: Page, label: string, option: string | RegExp) {
  await page.getByRole("textbox", { name: label }).first().click();
  await page.getByRole("option", { name: option }).first().click();
}

interface Wealth { net_worth: string; day_pnl: string; merged: { symbol: string; quantity: string; value: string | null }[]; funds: { scheme: string; nav: string; nav_source: string; value: string }[] }
interface Consolidated { net_worth: string; day_pnl: string; members: { email: string; net_worth: string }[]; holdings: { symbol: string; quantity: string; members: number[] }[] }

/** Meera, in a browser of her own: opens the link signed out, signs in with the mailed code,
 * uploads her tradebook and joins. */
async function meeraJoins(browser: Browser, link: string) {
  const context = await browser.newContext({ baseURL: base() });
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Family invitation", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/family\/invite$/); // the token is wiped from the address bar
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.getByRole("tab", { name: "With e-mail code" }).click();
  await page.getByRole("textbox", { name: "E-mail" }).fill(MEERA);
  await page.getByRole("button", { name: "Send me a code" }).click();
  await expect(page.getByText("We sent a six-digit code")).toBeVisible();
  await page.getByLabel("Code").first().click();
  await page.keyboard.type(latestOtp(MEERA));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/family\/invite$/);
  await expect(page.getByText("You are invited to")).toContainText("Sharma family");
  await expectAccessible(page);
  const sent = await page.request.post("/api/uploads/tradebook", { headers: { Origin: base() }, multipart: { "files[]": tradebook("ME4444", HERS) } });
  expect(sent.ok(), await sent.text()).toBeTruthy();
  await page.getByRole("button", { name: "Join the group" }).click();
  await expect(page).toHaveURL(/\/family$/);
  await expect(page.getByRole("region", { name: "Sharma family", exact: true })).toContainText("You are member");
  await context.close();
}

test("upload, journal, wealth and family: one household's figures end to end", async ({ page, browser }, info) => {
  test.skip(info.project.name !== "desktop", "the phone test reads the same pages");
  test.slow(); // uploads, a backtest and two people on a shared machine
  const api = pageApi(page);

  // ---- upload: the tradebook and the CAS (with its password), chosen together
  await page.goto("/uploads");
  const mine = tradebook("WF1111", MINE);
  await page.getByLabel("Files to upload").setInputFiles([mine, casPdf()]);
  await page.getByLabel("CAS password").fill(CAS_PASSWORD);
  await page.getByRole("button", { name: "Upload 2 files" }).click();
  await expect(page.getByRole("article", { name: `Report for ${mine.name}` }))
    .toContainText("7 rows read · 7 added");
  await expect(page.getByRole("article", { name: "Report for cas-summary.pdf" })).toContainText("Imported");

  // ---- journal: the benchmark says what to import; NIFTY 50's history imported, the chart
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Journal" }).click();
  await page.getByRole("tab", { name: "Benchmark" }).click();
  await expect(page.getByRole("heading", { name: "Import NIFTY 50's history first" })).toBeVisible();
  await expectAccessible(page);
  const chooser = page.waitForEvent("filechooser");
  await page.getByLabel("Daily closes (CSV)").click();
  await (await chooser).setFiles(niftyCsv());
  await page.getByRole("button", { name: "Import closes" }).click();
  const versus = page.getByRole("region", { name: "You against NIFTY 50" });
  await expect(versus.getByRole("img", { name: "Your account and NIFTY 50, both from 100" })).toBeVisible();
  const bench = await json<{ you: { cagr: string | null }; beta: string | null; points: unknown[] }>(await api.get("/api/journal/benchmark?index=NIFTY%2050&period=all"));
  expect(bench.points.length).toBeGreaterThan(100);
  const measures = page.getByRole("table", { name: "You against NIFTY 50" });
  await expect(measures.getByRole("row", { name: /CAGR/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Against the index" })).toContainText(bench.beta === null ? "—" : Number(bench.beta).toFixed(2));
  await page.getByText("1 year", { exact: true }).click();
  await expect(page.getByRole("radio", { name: "1 year" })).toBeChecked();
  await page.getByText("All time", { exact: true }).click();
  await expect(versus).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "journal-benchmark", info.project.name);

  // ---- patterns: two of the upload's three trades were held 0-3 days (the journal also
  // holds the paper fills earlier specs booked, so the row shows the API's count); that
  // finding becomes a strategy
  await page.getByRole("tab", { name: "Patterns" }).click();
  const holding = page.getByRole("region", { name: "Holding period", exact: true });
  const patterns = await json<{ dimensions: { name: string; buckets: { label: string; count: number }[] }[] }>(await api.get("/api/journal/patterns"));
  const short = patterns.dimensions.find((d) => d.name === "holding_period")?.buckets.find((b) => b.label === "0-3d");
  expect(short?.count).toBeGreaterThanOrEqual(2);
  await expect(holding.getByRole("row", { name: /0–3 days/ })).toContainText(String(short?.count));
  await expect(page.getByRole("region", { name: /^Position size \(/ })).toContainText("Not a strategy rule: Position size is your choice");
  await holding.getByRole("button", { name: "Backtest Holding period: 0–3 days" }).click();
  const dialog = page.getByRole("dialog", { name: "Turn this finding into a strategy" });
  await dialog.getByRole("button", { name: "Save as a strategy" }).click();
  await expect(dialog.getByRole("status")).toContainText("Saved: Journal: Hold each position up to 3 days");
  await expectAccessible(page);
  // the backtest form opens with it chosen (running it is the Backtests page's own test)
  await dialog.getByRole("link", { name: "Open the backtest form" }).click();
  await expect(page).toHaveURL(/\/backtests\?strategy=\d+$/);
  await expect(page.getByRole("textbox", { name: "Strategy" })).toHaveValue(/Journal: Hold each position up to 3 days/);

  // ---- wealth: net worth and holdings as the API values them; the fund at AMFI's NAV
  // prices tick, so the page is compared with the very answer it was drawn from
  const wealthAnswer = answerTo(page, "/api/wealth");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wealth" }).click();
  await expect(page.getByRole("heading", { name: "Wealth", level: 1 })).toBeVisible();
  let wealth = (await (await wealthAnswer).json()) as Wealth;
  const worth = page.getByRole("region", { name: "Net worth", exact: true });
  await expect(worth).toContainText(inr(wealth.net_worth));
  await expect(worth.getByRole("img", { name: /^Asset allocation: / })).toBeVisible();
  const itc = wealth.merged.find((h) => h.symbol === "ITC")!;
  expect(itc.quantity).toBe("100");
  await expect(page.getByRole("table", { name: "Holdings by symbol" }).getByRole("row", { name: /ITC/ })).toContainText("Uploaded tradebooks");
  await expectAccessible(page);
  await keepScreenshot(page, "wealth", info.project.name);

  await page.getByRole("tab", { name: "Mutual funds" }).click();
  const funds = page.getByRole("table", { name: "Mutual funds" });
  await expect(funds.getByRole("row", { name: /Example Flexi Cap/ })).toContainText("₹16,588.59"); // the CAS's valuation
  // the statement's NAV is months old: the row says so, and the page asks for a newer one
  await expect(funds.getByRole("row", { name: /Example Flexi Cap/ })).toContainText("over a week old");
  const refresh = page.getByRole("note").filter({ hasText: "Refresh your NAVs" });
  await expect(refresh).toContainText("1 fund is valued at a NAV more than a week old");
  const navChooser = page.waitForEvent("filechooser");
  await page.getByLabel("AMFI NAV file").click();
  await (await navChooser).setFiles(navAll());
  const revalued = answerTo(page, "/api/wealth");
  await page.getByRole("button", { name: "Import NAVs" }).click();
  await expect(page.getByRole("status").filter({ hasText: "NAVs imported" })).toContainText("1 of your funds now valued at AMFI's NAV");
  wealth = (await (await revalued).json()) as Wealth;
  const fund = wealth.funds[0]!;
  expect([fund.nav, fund.nav_source, fund.value]).toEqual(["125.25", "amfi", "18802.91"]); // 150.123 units × ₹125.25
  await expect(funds.getByRole("row", { name: /Example Flexi Cap/ })).toContainText("₹18,802.91");
  await expect(funds.getByRole("row", { name: /Example Flexi Cap/ })).toContainText("at the NAV of today");
  await expect(refresh).toHaveCount(0);
  await expectAccessible(page);
  await keepScreenshot(page, "wealth-funds", info.project.name);

  // ---- family: a group, Meera invited by e-mail; she joins through the link
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Family" }).click();
  await expect(page.getByRole("heading", { name: "Start a family group" })).toBeVisible();
  await page.getByRole("form", { name: "Create a family group" }).getByRole("textbox", { name: "Group name" }).fill("Sharma family");
  await page.getByRole("button", { name: "Create group" }).click();
  const group = page.getByRole("region", { name: "Sharma family", exact: true });
  await expect(group).toContainText("You are owner");
  await group.getByRole("textbox", { name: "Invite by e-mail" }).fill(MEERA);
  await group.getByRole("button", { name: "Send invitation" }).click();
  await expect(group.getByRole("status")).toContainText(`Invitation mailed to ${MEERA}`);
  await expect(group.getByRole("table", { name: "Open invitations of Sharma family" })).toContainText("Waiting for an answer");
  await meeraJoins(browser, inviteLink(MEERA));

  // the owner makes Meera an admin
  await page.reload();
  await expect(group.getByRole("table", { name: "Members of Sharma family" })).toContainText(MEERA);
  await pick(page, `Role of ${MEERA}`, "Admin");
  await expect(group.getByRole("textbox", { name: `Role of ${MEERA}` })).toHaveValue("Admin");

  // the family view: together, ITC is one row of 150 held by both
  const together = answerTo(page, "/api/family/consolidated");
  await group.getByRole("button", { name: "See together: Sharma family" }).click();
  const switcher = page.getByRole("button", { name: "Whose figures: Sharma family: everyone" });
  await expect(switcher).toBeVisible();
  const family = (await (await together).json()) as Consolidated;
  const combined = page.getByRole("region", { name: "Combined net worth" });
  await expect(combined).toContainText(inr(family.net_worth));
  expect(family.members.map((m) => m.email).sort()).toEqual(["demo@tradertape.dev", MEERA]);
  const members = page.getByRole("table", { name: "Net worth per member" });
  for (const m of family.members) await expect(members.getByRole("row", { name: new RegExp(m.email === MEERA ? MEERA : "Demo Trader") })).toContainText(inr(m.net_worth));
  await expect(members.getByRole("columnheader", { name: "Oldest figure of" })).toBeVisible(); // how old each member's figures are
  await expect(combined).toContainText("Valued on");
  const merged = family.holdings.find((h) => h.symbol === "ITC")!;
  expect([merged.quantity, merged.members.length]).toEqual(["150", 2]);
  const itcRow = page.getByRole("table", { name: "Holdings across members" }).getByRole("row", { name: /ITC/ });
  await expect(itcRow).toHaveCount(1);
  await expect(itcRow).toContainText("150");
  await expect(itcRow).toContainText(MEERA);
  await expectAccessible(page);
  await keepScreenshot(page, "family", info.project.name);

  // the switcher scopes Wealth and the Journal: both members' round trips, each named
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wealth" }).click();
  await expect(page.getByRole("region", { name: "Combined net worth" })).toContainText("Sharma family, together");
  await expect(page.getByRole("table", { name: "Holdings across members" }).getByRole("row", { name: /ITC/ })).toContainText("150");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Journal" }).click();
  await page.getByRole("tab", { name: "Round trips" }).click();
  const trips = page.getByRole("table", { name: "Round trips" });
  // each member's own trips, named (the demo user's paper account may have traded TCS too)
  await expect(trips.getByRole("row", { name: /TCS/ }).filter({ hasText: MEERA })).toHaveCount(1);
  await expect(trips.getByRole("row", { name: /HDFCBANK/ }).filter({ hasText: "Demo Trader" }).first()).toBeVisible();
  await expectAccessible(page);

  // back to only me: Meera's trades leave the view
  await switcher.click();
  await pick(page, "Whose figures", "Only me");
  await expect(page.getByRole("button", { name: "Whose figures: Only me" })).toBeVisible();
  await expect(trips.getByRole("row", { name: /TCS/ }).filter({ hasText: MEERA })).toHaveCount(0);
});

test("wealth and family read on a phone @phone", async ({ page }, info) => {
  test.skip(info.project.name !== "phone", "the desktop test walks the same pages");
  await page.goto("/wealth");
  await expect(page.getByRole("heading", { name: "Wealth", level: 1 })).toBeVisible();
  await page.waitForFunction(() => document.querySelector(".mantine-Loader-root") === null);
  await expect(page.getByRole("region", { name: "Net worth", exact: true }).or(page.getByRole("region", { name: "Combined net worth" }))).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "wealth", info.project.name);
  await page.goto("/family");
  await expect(page.getByRole("heading", { name: "Family", level: 1 })).toBeVisible();
  await page.waitForFunction(() => document.querySelector(".mantine-Loader-root") === null);
  await expectAccessible(page);
  await keepScreenshot(page, "family", info.project.name);
});
