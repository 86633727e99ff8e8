import { expect, test } from "@playwright/test";
import { demoApi, expectAccessible, keepScreenshot, signIn } from "./support";

const rupees = (text: string | null | undefined) => Number((text ?? "").replace(/,/g, ""));

test("a click on a market-watch row opens its five-level depth @phone", async ({ page }, info) => {
  await signIn(page, "/market");
  await expect(page.getByLabel("INFY last price", { exact: true })).not.toHaveText("—");
  await page.getByLabel("INFY last price", { exact: true }).click(); // the row, as on Kite
  const depth = page.getByRole("table", { name: "Market depth of INFY" });
  await expect(depth).toBeVisible();
  const levels = depth.locator("tbody tr");
  await expect(levels).toHaveCount(5);
  await expect(levels.first().locator("td").first()).not.toHaveText("—");
  const best = await levels.first().locator("td").allTextContents(); // bid, orders, qty, offer, orders, qty
  expect(rupees(best[0])).toBeLessThan(rupees(best[3])); // the spread is at least a tick
  expect(Number(best[1])).toBeGreaterThan(0);
  expect(rupees(best[2])).toBeGreaterThan(0);
  await expect(page.getByLabel("Total bid quantity")).not.toHaveText("0");
  // nothing of it is cut off, on a phone too
  const box = (await depth.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await expectAccessible(page);
  await keepScreenshot(page, "market-depth", info.project.name);
  await page.getByLabel("INFY last price", { exact: true }).click();
  await expect(depth).toBeHidden();
});

test("the chart's intervals: hours from 09:15 and weeks from Monday", async ({ page, baseURL }) => {
  const apiCtx = await demoApi(baseURL!);
  const hours = (await (await apiCtx.get("/api/market/history?symbol=NSE:INFY&interval=60minute")).json()) as {
    candles: [string, number, number, number, number, number][];
  };
  expect(hours.candles.length).toBeGreaterThan(0);
  expect(hours.candles.every(([t]) => t.slice(14, 19) === "15:00")).toBe(true); // hh:15 IST

  await signIn(page, "/market/chart/NSE%3AINFY");
  const readout = page.getByTestId("ohlc");
  await page.getByRole("textbox", { name: "Candle interval" }).click();
  await page.getByRole("option", { name: "1 hour" }).click();
  await expect(page.getByRole("application", { name: "Hourly candles of INFY" }).locator("canvas").first()).toBeVisible();
  await page.mouse.move(0, 0);
  await expect(readout).toContainText(/\d{2}:15 IST/);
  await page.getByRole("textbox", { name: "Candle interval" }).click();
  await page.getByRole("option", { name: "1 week" }).click();
  await expect(page.getByRole("application", { name: "Weekly candles of INFY" }).locator("canvas").first()).toBeVisible();
  // Off the chart, the readout is the last candle's. The option clicked lay over the chart: on a
  // busy host the new chart can take its hover after the pointer has left (a fresh canvas
  // under a still pointer), so the pointer leaves again until the readout follows.
  await expect(async () => {
    await page.mouse.move(8, 8);
    await page.mouse.move(0, 0);
    await expect(readout).toContainText("Week of 16 Nov 2026", { timeout: 1_000 }); // the demo's Friday 20 Nov
  }).toPass({ timeout: 15_000 });
});
