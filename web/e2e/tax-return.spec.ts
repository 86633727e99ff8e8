// The return's figures on the journal's Tax page, as a filer copies them: Schedule 112A with a
// row per rate period (TATAMOTORS sold on 22 and 25 July 2024), each figure with its schedule
// and field, the audit hint, a speculative loss of FY 2023-24 set off in FY 2024-25, and the
// CSV the income-tax utility imports. Every figure on the page is the API's.
import { type Page, expect, test } from "@playwright/test";
import { base, shareSignIn } from "./session";
import { expectAccessible, keepScreenshot } from "./support";

shareSignIn(test);

const COLUMNS = [
  "symbol", "isin", "trade_date", "exchange", "segment", "series", "trade_type", "auction",
  "quantity", "price", "trade_id", "order_id", "order_execution_time",
];
const FILLS: [string, string, string, "buy" | "sell", number, string][] = [
  ["TATAMOTORS", "INE155A01022", "2023-05-02", "buy", 100, "500.00"],
  ["WIPRO", "INE075A01022", "2023-06-01", "buy", 10, "400.00"], // intraday, −₹500 and charges
  ["WIPRO", "INE075A01022", "2023-06-01", "sell", 10, "350.00"],
  ["WIPRO", "INE075A01022", "2024-06-03", "buy", 10, "450.00"], // intraday, +₹1,000 less charges
  ["WIPRO", "INE075A01022", "2024-06-03", "sell", 10, "550.00"],
  ["TATAMOTORS", "INE155A01022", "2024-07-22", "sell", 60, "1000.00"], // LTCG at 10 %
  ["TATAMOTORS", "INE155A01022", "2024-07-25", "sell", 40, "1010.00"], // LTCG at 12.5 %
];
const FILE_NAME = "tradebook-ZE5252-EQ-2023-04-01-to-2025-03-31.csv";

function tradebook() {
  const rows = FILLS.map(([symbol, isin, day, side, quantity, price], i) => [
    symbol, isin, day, "NSE", "EQ", "EQ", side, "false", `${quantity}.000000`, `${price}0000`,
    `5252${String(i + 1).padStart(4, "0")}`, `1300000052${String(i + 1).padStart(9, "0")}`, `${day}T1${i}:00:00`,
  ]);
  const text = [COLUMNS, ...rows].map((r) => r.join(",")).join("\n") + "\n";
  return { name: FILE_NAME, mimeType: "text/csv", buffer: Buffer.from(text) };
}

/** "29979.00" → "29,979.00": Indian grouping, as the page writes amounts. */
function grouped(value: string): string {
  const [int = "0", frac = "00"] = value.replace("-", "").split(".");
  const head = int.length <= 3 ? int : `${int.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ",")},${int.slice(-3)}`;
  return `${head}.${frac}`;
}

interface Figure { schedule: string; field: string; amount: string }
interface Answer {
  schedule_112a: { name: string; transferred: string; balance: string }[];
  capital_gains: Figure[];
  business: { figures: Figure[] };
  losses: { figures: Figure[]; special_rate_tax: string };
}

async function figureRow(page: Page, table: string, f: Figure) {
  const row = page.getByRole("table", { name: table }).getByRole("row").filter({ hasText: f.field });
  await expect(row).toContainText(f.schedule);
  await expect(row).toContainText(`₹${grouped(f.amount)}`);
}

test("the Tax page's return figures, each with its schedule and field, and the 112A CSV", async ({ page }, info) => {
  test.skip(info.project.name !== "desktop", "one walk is enough");
  const sent = await page.request.post("/api/uploads/tradebook", { headers: { Origin: base() }, multipart: { "files[]": tradebook() } });
  expect(sent.ok(), await sent.text()).toBeTruthy();
  const answer = (await (await page.request.get("/api/journal/tax/return?fy=2024-25")).json()) as Answer;

  await page.goto("/journal");
  await page.getByRole("button", { name: "Tax split of FY 2024-25" }).click();
  await expect(page.getByRole("heading", { name: "For the return: AY 2025-26" })).toBeVisible();

  // Schedule 112A: a row a rate period, and Schedule CG's two figures from them
  const rows = page.getByRole("table", { name: "Schedule 112A, FY 2024-25" }).getByRole("row").filter({ hasText: "TATAMOTORS" });
  await expect(rows).toHaveCount(2);
  for (const r of answer.schedule_112a.filter((x) => x.name === "TATAMOTORS")) {
    const period = r.transferred === "BE" ? "Before 23 Jul 2024 (10%)" : "From 23 Jul 2024 (12.5%)";
    await expect(rows.filter({ hasText: period })).toContainText(`+₹${grouped(r.balance)}`);
  }
  for (const f of answer.capital_gains) await figureRow(page, "Schedule CG, FY 2024-25", f);
  // one tax: the Tax P&L's after set-off is the return's
  const tax = (await (await page.request.get("/api/journal/tax?fy=2024-25")).json()) as { special_rate_tax: string };
  expect(tax.special_rate_tax).toBe(answer.losses.special_rate_tax);
  await expect(page.getByRole("region", { name: "Set-off and tax" })).toContainText(`₹${grouped(answer.losses.special_rate_tax)}`);

  // ITR-3's business, the audit hint, and FY 2023-24's speculative loss set off this year
  const speculative = answer.business.figures.find((f) => f.field === "B. Income from speculative business")!;
  await figureRow(page, "ITR-3 business figures, FY 2024-25", speculative);
  await expect(page.getByRole("list", { name: "Tax audit hint" })).toContainText("no audit under s.44AB(a)");
  const setOff = answer.losses.figures.find((f) => f.field === "Loss from speculative business of AY 2024-25 set off")!;
  expect(Number(setOff.amount)).toBeGreaterThan(500);
  await figureRow(page, "Schedules BFLA and CFL, FY 2024-25", setOff);
  await page.mouse.move(0, 0); // a hovered row is shaded darker than the check allows for
  await expectAccessible(page);
  await page.getByRole("heading", { name: "For the return: AY 2025-26" }).evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 72));
  await keepScreenshot(page, "journal-return", info.project.name);
  await page.screenshot({ path: info.outputPath("return.png"), fullPage: true }); // looked at, not kept

  // the CSV the income-tax utility imports: its headers, column 1b for FY 2024-25
  const saved = page.waitForEvent("download");
  await page.getByRole("button", { name: "Schedule 112A for the ITR utility (CSV)" }).click();
  const file = await saved;
  expect(file.suggestedFilename()).toBe("schedule-112a-2024-25.csv");
  const { readFile } = await import("node:fs/promises");
  const text = await readFile((await file.path())!, "utf-8");
  expect(text.split("\r\n")[0]).toMatch(/^"Share\/Unit acquired\(1a\)","Share\/Unit Transferred\(1b\)","ISIN Code\(2\)"/);
  expect(text).toContain("AE,BE,INE155A01022,TATAMOTORS,,,60000.00,30000.00,30000.00");

  // the upload goes, and its trades with it
  const uploads = (await (await page.request.get("/api/uploads")).json()) as { id: number; filename: string }[];
  for (const u of uploads.filter((x) => x.filename === FILE_NAME)) {
    expect((await page.request.delete(`/api/uploads/${u.id}`, { headers: { Origin: base() } })).ok()).toBeTruthy();
  }
});
