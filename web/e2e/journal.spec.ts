// Upload → journal, as a trader does it: a Zerodha Console tradebook (CSV, built here with
// made-up trades) is dropped on Uploads, its report says what it added, the Journal shows the
// financial year's tax split and the round trips, and the same file again adds nothing.
import { readFile } from "node:fs/promises";
import { type APIRequestContext, type Page, expect, test } from "@playwright/test";
import { base, shareSignIn } from "./session";
import { expectAccessible as axeCheck, keepScreenshot } from "./support";

/** The accessibility check with the pointer off the tables (a hovered row is shaded darker). */
async function expectAccessible(page: Page) {
  await page.mouse.move(0, 0);
  await axeCheck(page);
}

shareSignIn(test);

const COLUMNS = [
  "symbol", "isin", "trade_date", "exchange", "segment", "series", "trade_type", "auction",
  "quantity", "price", "trade_id", "order_id", "order_execution_time",
];
const ISIN: Record<string, string> = { INFY: "INE009A01021", TCS: "INE467B01029", ITC: "INE154A01025" };

// Hand-worked, FY 2024-25: INFY three delivery round trips closed before 23 July 2024
// (+495.00, -100.00, +400.00: short-term gains 895.00, losses 100.00, net 795.00 at 15%);
// TCS bought and sold on 1 July 2024 (intraday, +102.00); ITC held from 2022, sold on
// 2 September 2024 (long-term, +17,500.00 at 12.5%, inside the ₹1,25,000 exemption).
const FILLS: [string, string, "buy" | "sell", number, string, string][] = [
  ["INFY", "2024-04-02", "buy", 10, "1450.50", "09:20:11"],
  ["INFY", "2024-04-10", "sell", 10, "1500.00", "11:02:40"],
  ["INFY", "2024-05-06", "buy", 5, "1420.00", "10:15:00"],
  ["INFY", "2024-05-20", "sell", 5, "1400.00", "13:45:09"],
  ["INFY", "2024-06-03", "buy", 8, "1480.00", "09:31:52"],
  ["INFY", "2024-06-14", "sell", 8, "1530.00", "14:20:00"],
  ["TCS", "2024-07-01", "buy", 4, "3900.00", "10:00:00"],
  ["TCS", "2024-07-01", "sell", 4, "3925.50", "14:00:00"],
  ["ITC", "2022-09-01", "buy", 100, "320.00", "09:45:30"],
  ["ITC", "2024-09-02", "sell", 100, "495.00", "12:10:05"],
];
const FILE_NAME = "tradebook-ZE2727-EQ-2022-04-01-to-2025-03-31.csv";

/** Console's CSV layout: the header on row 1, one row a trade. */
function tradebookCsv(): Buffer {
  const rows = FILLS.map(([symbol, day, side, quantity, price, time], i) => [
    symbol, ISIN[symbol], day, "NSE", "EQ", "EQ", side, "false", `${quantity}.000000`, `${price}0000`,
    `7727${String(i + 1).padStart(4, "0")}`, `1300000027${String(i + 1).padStart(9, "0")}`, `${day}T${time}`,
  ]);
  return Buffer.from([COLUMNS, ...rows].map((r) => r.join(",")).join("\n") + "\n");
}

const tradebook = () => ({ name: FILE_NAME, mimeType: "text/csv", buffer: tradebookCsv() });

interface Report { rows_read: number; rows_added: number; duplicates: number; status: string }
interface Upload { id: number; filename: string; rows_added: number }
interface Tax {
  speculative: { pnl: string; turnover: string };
  capital_gains: { kind: string; rate: string; net: string; taxable: string; expenses: string }[];
}

async function json<T>(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<T> {
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()) as T;
}

/** Drops files on the drop zone as a browser does (a drop event carrying a DataTransfer). */
async function dropFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, text: f.buffer.toString() }));
  const transfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const f of items) dt.items.add(new File([f.text], f.name, { type: f.type }));
    return dt;
  }, payload);
  const zone = page.getByRole("region", { name: "Drop files here" });
  await zone.dispatchEvent("dragover", { dataTransfer: transfer });
  await zone.dispatchEvent("drop", { dataTransfer: transfer });
}

/** ₹ in Indian grouping as the page writes it (+₹17,897.00). */
function plainInr(value: string): string {
  const [int = "0", frac = "00"] = value.replace("-", "").split(".");
  const grouped = int.length <= 3 ? int : `${int.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ",")},${int.slice(-3)}`;
  return `${value.startsWith("-") ? "-" : "+"}₹${grouped}.${frac}`;
}

async function pickFy(page: Page, fy: string) {
  await page.getByRole("textbox", { name: "Financial year" }).first().click();
  await page.getByRole("option", { name: `FY ${fy}` }).click();
}

test("a tradebook uploaded shows its report, then the year's tax split and round trips; again it adds nothing", async ({ page }, info) => {
  const api = page.request;
  await page.goto("/uploads");
  await expect(page.getByRole("heading", { name: "Uploads", level: 1 })).toBeVisible();

  // the tradebook and a file that is no spreadsheet, chosen together
  await page.getByLabel("Files to upload").setInputFiles([
    tradebook(),
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a tradebook\n") },
  ]);
  const queue = page.getByRole("list", { name: "Files to send" });
  await expect(queue.getByRole("listitem")).toHaveCount(2);
  await expect(queue.getByRole("textbox", { name: `What ${FILE_NAME} is` })).toHaveValue("Tradebook");
  await page.getByRole("button", { name: "Upload 2 files" }).click();

  const report = page.getByRole("article", { name: `Report for ${FILE_NAME}` });
  await expect(report.getByText("Imported")).toBeVisible();
  await expect(report.getByText("10 rows read · 10 added · 0 duplicates skipped")).toBeVisible();
  await expect(report).toContainText("Zerodha · account ZE2727 · EQ");
  const bad = page.getByRole("article", { name: "Report for notes.txt" });
  await expect(bad.getByText("Not read: nothing stored")).toBeVisible();
  await expect(bad.getByRole("alert")).toContainText("notes.txt");
  await expect(bad.getByRole("alert")).not.toContainText("files[]"); // words, not the API's field

  const uploads = await json<Upload[]>(await api.get("/api/uploads"));
  const mine = uploads.find((u) => u.filename === FILE_NAME)!;
  expect(mine.rows_added).toBe(10);
  const table = page.getByRole("table", { name: "Your uploads" });
  await expect(table.getByRole("row").filter({ hasText: FILE_NAME })).toContainText("01 Apr 2022 – 31 Mar 2025");
  await expectAccessible(page);
  await keepScreenshot(page, "uploads", info.project.name);

  // the same file again, dropped: every row is a duplicate, nothing is added
  await dropFiles(page, [tradebook()]);
  await page.getByRole("button", { name: "Upload 1 file" }).click();
  await expect(page.getByRole("article", { name: `Report for ${FILE_NAME}` })
    .getByText("10 rows read · 0 added · 10 duplicates skipped")).toBeVisible();

  // the journal: FY 2024-25's tax split, hand-worked above and the same as the API's
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Journal" }).click();
  await expect(page.getByRole("heading", { name: "Journal", level: 1 })).toBeVisible();
  const pnl = await json<{ years: { fy: string; realised: string; net: string; trips: number }[] }>(await api.get("/api/journal/pnl"));
  const year = pnl.years.find((y) => y.fy === "2024-25")!;
  expect([year.realised, year.trips]).toEqual(["18397.00", 5]); // 795.00 + 102.00 + 17,500.00, hand-worked above
  const yearRow = page.getByRole("table", { name: "P&L by financial year" }).getByRole("row").filter({ hasText: "FY 2024-25" });
  await expect(yearRow).toContainText("+₹18,397.00");
  await expect(yearRow).toContainText(plainInr(year.net));
  await yearRow.getByRole("button", { name: "Tax split of FY 2024-25" }).click();
  await expect(page.getByRole("heading", { name: "Tax P&L, FY 2024-25" })).toBeVisible();
  const tax = await json<Tax>(await api.get("/api/journal/tax?fy=2024-25"));
  const stcg = tax.capital_gains.find((b) => b.kind === "stcg")!;
  const ltcg = tax.capital_gains.find((b) => b.kind === "ltcg")!;
  // gains are after the transfer expenses (the charges but STT): the hand-worked figures less them
  const gross = (b: Tax["capital_gains"][number]) => (Number(b.net) + Number(b.expenses)).toFixed(2);
  expect([stcg.rate, gross(stcg)]).toEqual(["0.15", "795.00"]);
  expect(Number(stcg.expenses)).toBeGreaterThan(0);
  expect([ltcg.rate, gross(ltcg), ltcg.taxable]).toEqual(["0.125", "17500.00", "0.00"]);
  const gains = page.getByRole("table", { name: "Capital gains, FY 2024-25" });
  await expect(gains.getByRole("row").filter({ hasText: "Short-term" })).toContainText("15%");
  await expect(gains.getByRole("row").filter({ hasText: "Short-term" })).toContainText(plainInr(stcg.net));
  await expect(gains.getByRole("row").filter({ hasText: "Long-term" })).toContainText("12.5%");
  await expect(gains.getByRole("row").filter({ hasText: "Long-term" })).toContainText(plainInr(ltcg.net));
  const intraday = page.getByRole("region", { name: "Intraday equity (speculative business)" });
  expect(tax.speculative.pnl).toBe("102.00");
  await expect(intraday).toContainText("+₹102.00");
  await expect(page.getByRole("note").filter({ hasText: "Facts to check, not tax advice" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Download XLSX" })).toBeEnabled();
  const saved = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  expect((await saved).suggestedFilename()).toBe("tax-pnl-2024-25.csv");
  await expectAccessible(page);
  await keepScreenshot(page, "journal", info.project.name);

  // round trips, filtered to INFY in that year
  await page.getByRole("tab", { name: "Round trips" }).click();
  await expect(page).toHaveURL(/\/journal\/round-trips$/);
  await page.getByRole("textbox", { name: "Symbol" }).fill("INFY");
  await page.getByRole("textbox", { name: "Financial year" }).click();
  await page.getByRole("option", { name: "FY 2024-25" }).click();
  const trips = page.getByRole("table", { name: "Round trips" });
  const infy = trips.getByRole("row").filter({ hasText: "INFY" });
  await expect(infy).toHaveCount(3);
  await expect(infy.filter({ hasText: "10 Apr 2024" })).toContainText("+₹495.00");
  await expect(infy.filter({ hasText: "20 May 2024" })).toContainText("-₹100.00");
  // the server filtered them and summed all it kept: the same figures the page shows
  const kept = await json<{ matched: { round_trips: number; realised: string; net: string } }>(
    await api.get("/api/journal/pnl?symbol=INFY&fy=2024-25&limit=50&sort=closed&order=desc"));
  expect([kept.matched.round_trips, kept.matched.realised]).toEqual([3, "795.00"]); // hand-worked above
  const all = pnl.years.reduce((n, y) => n + y.trips, 0);
  await expect(page.getByRole("status").filter({ hasText: "round trips" })).toHaveText(`3 of ${all} round trips`);
  const sums = page.getByRole("group", { name: "Round trips matched" });
  await expect(sums).toContainText("+₹795.00");
  await expect(sums).toContainText(plainInr(kept.matched.net));
  // the CSV holds every round trip the filter keeps, not only the page on screen
  const csv = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).first().click();
  const file = await csv;
  expect(file.suggestedFilename()).toBe("round-trips.csv");
  const lines = (await readFile(await file.path(), "utf8")).trim().split(/\r?\n/);
  expect(lines).toHaveLength(1 + 3);
  expect(lines.slice(1).every((line) => line.includes("INFY"))).toBe(true);
  await expectAccessible(page);
  await keepScreenshot(page, "journal-trips", info.project.name);

  // the Edge Finder and Patterns
  await page.getByRole("tab", { name: "Edge Finder" }).click();
  const edges = await json<{ symbols: { symbol: string; bucket: string; count: number }[] }>(await api.get("/api/journal/edge"));
  const infyEdge = edges.symbols.find((e) => e.symbol === "INFY")!;
  const bucketTitle = { strong: "Strong edge", moderate: "Moderate edge", negative: "Negative edge", too_few: "Too few trades" }[infyEdge.bucket]!;
  await expect(page.getByRole("region", { name: bucketTitle }).getByRole("row").filter({ hasText: "INFY" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "journal-edge", info.project.name);
  await page.getByRole("tab", { name: "Patterns" }).click();
  await expect(page.getByRole("region", { name: "Holding period", exact: true })).toBeVisible();
  await page.screenshot({ path: info.outputPath("patterns.png") }); // looked at, not kept
  await expectAccessible(page);
  await page.getByRole("tab", { name: "Benchmark" }).click();
  await expect(page.getByRole("heading", { name: "Import NIFTY 50's history first" })).toBeVisible();

  // deleting the upload takes its trades with it
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Uploads" }).click();
  await page.getByRole("button", { name: `Delete ${FILE_NAME}` }).first().waitFor();
  const added = (await json<Upload[]>(await api.get("/api/uploads"))).find((u) => u.filename === FILE_NAME && u.rows_added === 10)!;
  const rows = page.getByRole("table", { name: "Your uploads" }).getByRole("row").filter({ hasText: FILE_NAME });
  await expect(rows).toHaveCount(2);
  // the table is newest first: the one that added the trades is the second
  await rows.nth(1).getByRole("button", { name: `Delete ${FILE_NAME}` }).click();
  const confirm = page.getByRole("dialog", { name: "Delete this upload?" });
  await expect(confirm).toContainText("added 10 trades");
  await confirm.getByRole("button", { name: "Delete upload" }).click();
  await expect(rows).toHaveCount(1);
  expect((await json<Upload[]>(await api.get("/api/uploads"))).map((u) => u.id)).not.toContain(added.id);
  const left = await json<{ trade_id: string }[]>(await api.get("/api/journal/trades?symbol=ITC&limit=500"));
  expect(left.filter((t) => t.trade_id.startsWith("7727"))).toEqual([]);
});

test("the journal and uploads on a phone @phone", async ({ page }, info) => {
  test.skip(info.project.name !== "phone", "the desktop test walks the same pages");
  const sent = await page.request.post("/api/uploads/tradebook", {
    headers: { Origin: base() },
    multipart: { "files[]": tradebook() },
  });
  const batch = await json<{ files: Report[] }>(sent);
  expect(batch.files[0]?.status).toBe("imported");

  await page.goto("/uploads");
  await expect(page.getByRole("article", { name: FILE_NAME }).first()).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "uploads", info.project.name);

  await page.goto("/journal");
  await pickFy(page, "2024-25");
  const tax = await json<Tax>(await page.request.get("/api/journal/tax?fy=2024-25"));
  const stcg = tax.capital_gains.find((b) => b.kind === "stcg")!;
  await expect(page.getByRole("article", { name: "Short-term capital gains (s.111A) at 15%" })).toContainText(plainInr(stcg.net));
  await expect(page.getByRole("heading", { name: "Tax P&L, FY 2024-25" })).toBeVisible();
  await page.getByRole("region", { name: "Intraday equity (speculative business)" }).evaluate((el) => el.scrollIntoView());
  await expectAccessible(page);
  await keepScreenshot(page, "journal", info.project.name);

  await page.goto("/journal/round-trips");
  await page.getByRole("textbox", { name: "Symbol" }).fill("ITC");
  await expect(page.getByRole("article", { name: "ITC closed 02 Sept 2024" }).or(page.getByRole("article", { name: "ITC closed 02 Sep 2024" }))).toContainText("₹");
  await expectAccessible(page);
});
