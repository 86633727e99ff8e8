import { expect, test } from "@playwright/test";
import { demoApi, expectAccessible, keepScreenshot, signIn } from "./support";

test("a price in the market watch moves while the page is open @phone", async ({ page }, info) => {
  await signIn(page, "/market");
  const table = page.getByRole("table", { name: /^Watchlist/ });
  // the exchange as a tag, not a prefix (on a phone NSE goes unsaid: the row is for its figures)
  await expect(table.getByRole("link", { name: info.project.name === "phone" ? "INFY" : "INFY NSE", exact: true })).toBeVisible();
  const prices = page.getByLabel(/ last price$/);
  await expect(page.getByLabel("INFY last price", { exact: true })).not.toHaveText("—");
  const first = (await prices.allTextContents()).join("|");
  // The demo's simulated feed ticks every second, so some price on the list moves within a
  // second or two; the wait allows 10 s because a shared CI host once took longer than 2 s
  // to carry a tick through the WebSocket and the phone's page (nothing moving at all fails).
  // The e2e server's clock is pinned inside a session (serve.mjs), so this never waits on a
  // holiday evening's replay, and the top bar says the market is open.
  if (info.project.name === "phone") await page.getByRole("button", { name: /Desk status/ }).click();
  await expect(page.getByTestId("market-clock")).toHaveText("Market open");
  if (info.project.name === "phone") await page.keyboard.press("Escape");
  await expect
    .poll(async () => (await prices.allTextContents()).join("|"), { timeout: 10_000, intervals: [100] })
    .not.toBe(first);
  await expectAccessible(page);
  await keepScreenshot(page, "market", info.project.name);
});

test("adds and removes a symbol, saved through the watchlists API", async ({ page, baseURL }) => {
  const apiCtx = await demoApi(baseURL!);
  const listed = async () => {
    const lists = (await (await apiCtx.get("/api/watchlists")).json()) as { items: string[] }[];
    return lists[0]!.items;
  };
  await signIn(page, "/market");
  await page.getByRole("textbox", { name: "Add instrument" }).fill("WIPRO");
  await page.getByRole("button", { name: "Add WIPRO", exact: true }).click();
  await expect(page.getByRole("link", { name: "WIPRO NSE", exact: true })).toBeVisible();
  await expect.poll(listed).toContain("NSE:WIPRO");
  const before = await listed();
  await page.getByRole("button", { name: "Move WIPRO up" }).click();
  await expect.poll(async () => (await listed()).indexOf("NSE:WIPRO")).toBe(before.length - 2);
  await page.getByRole("button", { name: "Remove WIPRO" }).click();
  await expect(page.getByRole("link", { name: "WIPRO NSE", exact: true })).toHaveCount(0);
  await expect.poll(listed).not.toContain("NSE:WIPRO");
});

test("B and S on the selected row open the order ticket; depth opens on expand", async ({ page }) => {
  await signIn(page, "/market");
  await page.getByRole("link", { name: "TCS NSE", exact: true }).focus();
  await page.keyboard.press("b");
  const ticket = page.getByRole("dialog");
  await expect(ticket.getByText("Buy TCS")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(ticket).toBeHidden();
  await page.getByRole("link", { name: "TCS NSE", exact: true }).focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("s");
  await expect(page.getByRole("dialog").getByText("Sell SBIN")).toBeVisible();
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Show depth of INFY" }).click();
  const depth = page.getByRole("table", { name: "Market depth of INFY" });
  await expect(depth).toBeVisible();
  await expect(depth.getByRole("row").nth(1).getByRole("cell").nth(1)).not.toHaveText("—");
});

test("the chart draws candles with volume, an OHLC readout, the user's fills and minute candles", async ({ page, baseURL }, info) => {
  test.slow(); // two timeframes on a shared machine
  const apiCtx = await demoApi(baseURL!);
  // a fill of the user's own: the chart marks it on today's candle
  const preview = await apiCtx.post("/api/orders/preview", {
    data: { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "MARKET" },
  });
  const limit = Math.ceil(((await preview.json()).price as number) * 1.01);
  const placed = await apiCtx.post("/api/orders", {
    data: { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "BUY", quantity: 1, product: "CNC", order_type: "LIMIT", price: limit },
  });
  expect(placed.ok()).toBeTruthy();
  const fills = (await (await apiCtx.get("/api/market/fills?symbol=NSE:INFY")).json()) as { fills: unknown[] };
  expect(fills.fills.length).toBeGreaterThan(0);

  await signIn(page, "/market");
  await page.getByRole("link", { name: "INFY NSE", exact: true }).click();
  await expect(page).toHaveURL(/\/market\/chart\/NSE%3AINFY$/);
  await expect(page.getByRole("heading", { name: "Chart INFY" })).toBeVisible();
  await expect(page.getByText("Synthetic data: simulated prices, not real")).toBeVisible();
  const daily = page.getByRole("application", { name: "Daily candles of INFY" });
  await expect(daily.locator("canvas").first()).toBeVisible();
  const readout = page.getByTestId("ohlc");
  await expect(readout).toContainText(/O ₹[\d,]+\.\d{2}\s*H ₹[\d,]+\.\d{2}\s*L ₹[\d,]+\.\d{2}\s*C ₹[\d,]+\.\d{2}\s*Vol\. [\d.]+/);
  // the crosshair over an earlier candle reads that candle
  const before = await readout.textContent();
  const box = (await daily.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await expect.poll(() => readout.textContent()).not.toBe(before);
  await expectAccessible(page);
  await keepScreenshot(page, "chart", info.project.name);
  // minute candles: today's, built from the live prices
  await page.getByRole("textbox", { name: "Candle interval" }).click();
  await page.getByRole("option", { name: "1 minute" }).click();
  await expect(page.getByRole("application", { name: "Minute candles of INFY" }).locator("canvas").first()).toBeVisible();
  await expect(readout).toContainText(/IST/);
  await keepScreenshot(page, "chart-minute", info.project.name);
});

test("a 5-minute chart has days of history, any DSL indicator, and a level the user draws @phone", async ({ page, baseURL }, info) => {
  test.slow();
  const apiCtx = await demoApi(baseURL!);
  // the demo's minutes: five sessions before today's, which the feed plays
  const history = (await (await apiCtx.get("/api/market/history?symbol=NSE:INFY&interval=5minute")).json()) as {
    candles: [string, number, number, number, number, number][];
  };
  const days = new Set(history.candles.map((c) => c[0].slice(0, 10)));
  expect(days.size).toBeGreaterThan(3);
  expect(history.candles.length).toBeGreaterThan(3 * 75);
  // a drawing left by an earlier run of this spec goes first
  for (const d of (await (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()) as { id: number }[]) {
    await apiCtx.delete(`/api/market/drawings/${d.id}`);
  }

  await signIn(page, "/market/chart/NSE%3AINFY");
  await expect(page.getByRole("heading", { name: "Chart INFY" })).toBeVisible();
  await page.getByRole("textbox", { name: "Candle interval" }).click();
  await page.getByRole("option", { name: "5 minutes", exact: true }).click();
  const chart = page.getByRole("application", { name: "5-minute candles of INFY" });
  await expect(chart.locator("canvas").first()).toBeVisible();
  // the default indicators are drawn at 5 minutes too; another from the DSL's list is added
  const shown = page.getByRole("list", { name: "Indicators shown" });
  await expect(shown.getByRole("listitem")).toHaveCount(8);
  await page.getByRole("textbox", { name: "Add indicator" }).click();
  await page.getByRole("option", { name: /^ATR/ }).click();
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(shown.getByRole("listitem")).toHaveCount(9);
  await expect(shown).toContainText("ATR");
  // a horizontal level: the tool, then a click on the chart
  await page.getByRole("button", { name: "Level" }).click();
  const box = (await chart.boundingBox())!;
  const at = { x: Math.round(box.width * 0.4), y: Math.round(box.height * 0.25) };
  // a phone taps (the chart hears touches there), a desk clicks
  if (info.project.name === "phone") await chart.tap({ position: at });
  else await chart.click({ position: at });
  const drawn = page.getByRole("list", { name: "Your drawings" });
  await expect(drawn.getByRole("listitem")).toHaveCount(1);
  await expect(drawn).toContainText(/Level ₹[\d,]+\.\d{2}/);
  const kept = (await (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()) as { kind: string }[];
  expect(kept.map((d) => d.kind)).toEqual(["horizontal"]);
  // nothing over the price scale: the controls and legends lie above the chart, apart
  const legend = (await shown.boundingBox())!;
  expect(legend.y + legend.height).toBeLessThanOrEqual(box.y + 1);
  expect(legend.x + legend.width).toBeLessThanOrEqual((page.viewportSize()?.width ?? 0) + 1);
  await expectAccessible(page);
  await keepScreenshot(page, "chart-5minute-drawings", info.project.name);
  // deleted again (and kept deleted on the server)
  await drawn.getByRole("button", { name: /^Delete Level/ }).click();
  await expect(drawn).toHaveCount(0);
  expect(await (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()).toEqual([]);
});

test("a trend line drawn by keyboard alone: tool, arrows, Enter, and Delete takes it away, each step announced", async ({ page, baseURL }, info) => {
  const apiCtx = await demoApi(baseURL!);
  for (const d of (await (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()) as { id: number }[]) {
    await apiCtx.delete(`/api/market/drawings/${d.id}`);
  }
  await signIn(page, "/market/chart/NSE%3AINFY");
  const chart = page.getByRole("application", { name: "Daily candles of INFY" });
  await expect(chart.locator("canvas").first()).toBeVisible();
  const said = page.getByTestId("chart-said");
  // the tool by keyboard, then Tab on to the chart
  const tool = page.getByRole("button", { name: "Trend line", exact: true });
  await tool.focus();
  await page.keyboard.press("Enter");
  await expect(tool).toHaveAttribute("aria-pressed", "true");
  await expect(said).toContainText("Trend line:");
  for (let i = 0; i < 6 && !(await chart.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(chart).toBeFocused();
  // focus is visible: the outline the stylesheet gives the chart under keyboard focus
  expect(await chart.evaluate((el) => el.matches(":focus-visible") && getComputedStyle(el).outlineStyle)).toBe("solid");
  // the first point twenty candles back, a step lower; the second at the last candle, higher
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("ArrowDown");
  await expect(said).toHaveText(/^.+ \d{4}, ₹[\d,]+\.\d{2}$/);
  await page.keyboard.press("Enter");
  await expect(said).toContainText("Point 1 placed at");
  await page.keyboard.press("Delete"); // taken back, and placed again
  await expect(said).toHaveText("Point 1 taken back.");
  await page.keyboard.press("Enter");
  await page.keyboard.press("End");
  await page.keyboard.press("Shift+ArrowUp");
  await page.keyboard.press("Enter");
  await expect(said).toContainText(/^Trend line drawn: .+ to .+\.$/);
  await expect(tool).toHaveAttribute("aria-pressed", "false");
  const drawn = page.getByRole("list", { name: "Your drawings" });
  await expect(drawn.getByRole("listitem")).toHaveCount(1);
  await expect(drawn).toContainText(/Trend line ₹[\d,]+\.\d{2} → ₹[\d,]+\.\d{2}/);
  const kept = (await (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()) as { kind: string; points: { price: string }[] }[];
  expect(kept.map((d) => d.kind)).toEqual(["trend"]);
  expect(Number(kept[0]!.points[1]!.price)).toBeGreaterThan(Number(kept[0]!.points[0]!.price));
  await expectAccessible(page);
  await keepScreenshot(page, "chart-keyboard-trend", info.project.name);
  // Escape puts a tool down; with none, Delete removes the newest drawing
  await page.getByRole("button", { name: "Level" }).focus();
  await page.keyboard.press("Enter");
  await chart.focus();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Level" })).toHaveAttribute("aria-pressed", "false");
  await expect(said).toHaveText("Drawing stopped.");
  await page.keyboard.press("Delete");
  await expect(said).toContainText(/^Deleted Trend line/);
  await expect(drawn).toHaveCount(0);
  await expect.poll(async () => (await apiCtx.get("/api/market/drawings?symbol=NSE:INFY")).json()).toEqual([]);
});
