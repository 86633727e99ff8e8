// Options in the browser: the chain renders around ATM with PCR and max pain as the API
// says, each strike's OI, OI change, volume and the greeks a trader picks, ITM shaded; the
// spread's margin with and without its hedge benefit; a bull call spread from the chain draws the payoff the API computes (the page's own
// answer is compared with what it shows), and the what-if asks the API again.
import { expect, type Page, type Response, request, test } from "@playwright/test";
import type { Chain } from "../src/options/optionApi";
import { inr, lakhs, plain, qty, signedInr } from "../src/format/money";
import { type BasketMargin, hedgeWords } from "../src/options/basket";
import { istDate } from "../src/format/time";
import { openingExpiry, presetLegs } from "../src/options/spread";
import { expectAccessible, expectLaidOut, keepScreenshot } from "./support";
import { base, pageApi, shareSignIn } from "./session";

shareSignIn(test);

interface Payoff {
  max_profit: string | null; max_loss: string | null; pnl_today: string; breakevens: string[];
  points: unknown[]; scenario: { iv_shift: number };
}

const payoffAnswer = (page: Page) =>
  page.waitForResponse((r: Response) => r.url().endsWith("/api/options/payoff") && r.request().method() === "POST");

test("a chain renders and a spread's payoff is drawn with the API's figures @phone", async ({ page }, info) => {
  test.slow(); // a chain and a structure: many figures on a shared host
  const reads: Chain[] = []; // the page's own reads of the chain, latest last
  page.on("response", async (r) => {
    if (/\/api\/options\/underlyings\/NIFTY\/chain\?/.test(r.url()) && r.ok()) reads.push((await r.json()) as Chain);
  });
  await page.goto("/options");
  const table = page.getByRole("table", { name: /^NIFTY option chain/ });
  await expect(table).toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole("row")).toHaveCount(2 + 21); // two header rows, ATM ± 10 strikes
  await expect(table.locator("tr[aria-current=true]")).toContainText("ATM");
  // it opens on the nearest expiry that does not expire today; PCR and max pain are the API's
  const api = pageApi(page);
  const nearest = (await (await api.get("/api/options/underlyings/NIFTY/chain")).json()) as { expiries: string[]; updated_at: string };
  const opening = openingExpiry(nearest.expiries, nearest.updated_at) as string;
  await expect(page.getByRole("textbox", { name: "Expiry" })).toHaveValue(istDate(opening));
  const chain = (await (await api.get(`/api/options/underlyings/NIFTY/chain?expiry=${opening}`)).json()) as { pcr: number; max_pain: string };
  await expect(page.getByLabel("PCR", { exact: true })).toHaveText(chain.pcr.toFixed(2));
  await expect(page.getByLabel("Max pain", { exact: true })).toHaveText(inr(chain.max_pain, 0));

  // per strike, as Sensibull shows it: OI, its change, volume, IV and delta on a desk (OI in
  // lakh beside each LTP on a phone), the ATM strike outlined, the side in the money shaded;
  // the greeks a trader picks are the API's own
  const phone = info.project.name === "phone";
  await expect.poll(() => reads.at(-1)?.expiry).toBe(opening);
  const shown = reads.at(-1) as Chain; // what the page shows: its own read (the index moves)
  const atmOf = (c: Chain) => c.rows.find((r) => Number(r.strike) === Number(c.atm_strike)) as Chain["rows"][number];
  const atm = table.locator("tr[aria-current=true]");
  const oi = (v: number) => (phone ? lakhs(v) : qty(v));
  // the put's OI sits beside its LTP, then OI change, volume, IV and delta, then the trade
  await expect(atm.getByRole("cell").nth(phone ? -2 : -6)).toHaveText(oi(atmOf(shown).put?.oi ?? 0));
  const spot = Number(shown.spot);
  for (const r of shown.rows) {
    const row = table.getByRole("row").filter({ has: page.getByText(phone ? plain(r.strike, 0) : inr(r.strike, 0), { exact: true }) });
    const side = Number(r.strike) < spot ? "call" : Number(r.strike) > spot ? "put" : null;
    if (side && Math.abs(Number(r.strike) - spot) > 20) await expect(row).toHaveAttribute("data-itm", side);
  }
  if (!phone) {
    for (const h of ["OI chg", "Volume", "IV %", "Delta"]) await expect(table.getByRole("columnheader", { name: h, exact: true })).toHaveCount(2);
  }
  await expectLaidOut(page, `the chain (${info.project.name})`);
  await keepScreenshot(page, "options-chain-columns", info.project.name);
  // the greeks a trader picks: as many columns as fit (five on a desk, one on a phone)
  await page.getByRole("button", { name: "Columns" }).click();
  const box = (name: string) => page.getByRole("checkbox", { name });
  if (phone) {
    await expect(box("Theta (₹ per day)")).toBeDisabled(); // OI fills the phone's one column
    await box("Open interest (units)").uncheck();
    await box("Theta (₹ per day)").check();
    await expect(box("Vega (₹ per IV point)")).toBeDisabled();
  } else {
    await box("Volume today (units)").uncheck();
    await box("OI change since the previous session").uncheck();
    await box("Theta (₹ per day)").check();
    await box("Vega (₹ per IV point)").check();
  }
  await page.keyboard.press("Escape");
  await expect(table.getByRole("columnheader", { name: "Theta", exact: true })).toHaveCount(2);
  // the ATM put's theta (₹ a day, a holder loses it) and vega as the page's latest read says
  const greek = (v: number | null | undefined) => (v == null ? "—" : v.toFixed(2));
  await expect.poll(async () => {
    const put = atmOf(reads.at(-1) as Chain).put;
    const cells = await atm.getByRole("cell").allTextContents();
    const want = phone ? [greek(put?.theta)] : [greek(put?.theta), greek(put?.vega)];
    return cells.slice(-1 - want.length, -1).join(" ") === want.join(" ") && (put?.theta ?? 0) < 0;
  }).toBe(true);
  await keepScreenshot(page, "options-chain-greeks", info.project.name);

  // a bull call spread from the chain
  const answered = payoffAnswer(page);
  const previewed = page.waitForResponse((r: Response) => r.url().endsWith("/api/options/basket/preview") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Add a spread" }).click();
  await page.getByRole("menuitem", { name: "Bull call spread" }).click();
  const payoff = (await (await answered).json()) as Payoff;
  const structure = page.getByRole("region", { name: "Your structure" });
  await expect(structure.getByRole("table", { name: "Legs" }).getByRole("row")).toHaveCount(3);
  // the spread's margin with and without its hedge, and why: the API's one computation
  const margin = (await (await previewed).json()) as BasketMargin;
  const figures = structure.getByRole("group", { name: "Basket margin" });
  await expect(figures.getByLabel("Legs alone")).toHaveText(inr(margin.margin_without_hedge));
  await expect(figures.getByLabel("Hedge benefit")).toHaveText(inr(margin.hedge_benefit));
  await expect(figures.getByLabel("Margin needed (estimate)")).toHaveText(inr(margin.margin_required));
  expect(Number(margin.hedge_benefit)).toBeCloseTo(Number(margin.margin_without_hedge) - Number(margin.margin_required), 2);
  expect(Number(margin.hedge_benefit)).toBeGreaterThan(0); // the bought call covers the sold one
  await expect(structure.getByLabel("Why the margin is what it is")).toHaveText(hedgeWords(margin, presetLegs(shown, "bull_call")) as string);
  await expect(structure.getByRole("img", { name: /^Payoff: at expiry/ })).toBeVisible();
  await expect(structure.getByLabel("Max profit")).toHaveText(signedInr(payoff.max_profit));
  await expect(structure.getByLabel("Max loss")).toHaveText(signedInr(payoff.max_loss));
  await expect(structure.getByLabel("Breakevens")).toHaveText(payoff.breakevens.map((b) => inr(b)).join(", "));
  const drawn = await structure.locator("polyline[data-series=at-expiry]").getAttribute("points");
  expect(drawn?.split(" ").length).toBe(payoff.points.length);
  await expect(structure.locator("circle")).toHaveCount(payoff.breakevens.length);
  await expectAccessible(page);
  await keepScreenshot(page, "options-chain", info.project.name);

  // what-if: IV up a point; the API answers again and the page shows its figure
  const again = payoffAnswer(page);
  await structure.getByRole("slider", { name: "IV change" }).focus();
  await page.keyboard.press("ArrowRight");
  const shifted = (await (await again).json()) as Payoff;
  expect(shifted.scenario.iv_shift).toBe(1);
  await expect(structure.getByText("+1 pts")).toBeVisible();
  await expect(structure.getByLabel("P&L at the what-if")).toHaveText(signedInr(shifted.pnl_today));

  // the lots a box shows are the lots placed: 0 cannot be typed (it stayed on screen while
  // the structure kept 1 lot)
  const lots = structure.getByRole("textbox", { name: /^Lots of/ }).first();
  await lots.fill("0");
  await expect(lots).not.toHaveValue("0");
  // each leg's side reads whole on a phone (a long contract name squeezed "Sell" to "SE…")
  const sides = structure.getByRole("group", { name: "How each leg is placed" }).locator(".mantine-Badge-label");
  await expect(sides).toHaveCount(2);
  for (const side of await sides.all()) expect(await side.evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
});

test("an option run shows its legs, protection and the API's payoff with what-if sliders", async ({ page }, info) => {
  test.slow();
  const api = pageApi(page);
  const issued = (await (await api.post("/api/algo-workers/tokens", { data: { name: `options e2e ${info.project.name}` } })).json()) as { token: string };
  const worker = await request.newContext({ baseURL: base(), extraHTTPHeaders: { Authorization: `Bearer ${issued.token}` } });
  const chain = (await (await api.get("/api/options/underlyings/NIFTY/chain?expiry=next_week")).json()) as Chain;
  const name = `Bull call spread (${info.project.name})`;
  const legs = presetLegs(chain, "bull_call");
  const created = await worker.post("/api/algo-workers/worker/options/runs", {
    data: { strategy_name: name, product: "NRML", legs, protection: { stoploss_pct: 50 } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const { strategy_run_id: runKey } = (await created.json()) as { strategy_run_id: string };
  const entered = await worker.post(`/api/algo-workers/worker/options/runs/${runKey}/enter`, { data: {} });
  expect(entered.ok(), await entered.text()).toBeTruthy();
  const cards = (await (await api.get("/api/algo-workers/runs")).json()) as { id: number; strategy_run_id: string }[];
  const id = (cards.find((c) => c.strategy_run_id === runKey) as { id: number }).id;

  const answered = page.waitForResponse((r: Response) => r.url().endsWith(`/api/algo-workers/runs/${id}/option/payoff`));
  await page.goto(`/workers/runs/${id}`);
  const structure = page.getByRole("region", { name: "Option structure" });
  await expect(structure.getByRole("table", { name: "Option legs" }).getByRole("row")).toHaveCount(3);
  await expect(structure).toContainText("Protection:");
  const payoff = (await (await answered).json()) as Payoff;
  await expect(structure.getByRole("img", { name: /^Run payoff: at expiry/ })).toBeVisible();
  await expect(structure.getByLabel("Max loss")).toHaveText(signedInr(payoff.max_loss));
  const later = page.waitForResponse((r: Response) => r.url().endsWith(`/api/algo-workers/runs/${id}/option/payoff`));
  await structure.getByRole("slider", { name: "Days to expiry" }).focus();
  await page.keyboard.press("Home"); // to expiry day
  const atExpiry = (await (await later).json()) as Payoff & { scenario: { days_to_expiry: number } };
  expect(atExpiry.scenario.days_to_expiry).toBe(0);
  await expect(structure.getByLabel("P&L at the what-if")).toHaveText(signedInr(atExpiry.pnl_today));
  await structure.scrollIntoViewIfNeeded();
  await expectAccessible(page);
  await keepScreenshot(page, "option-run", info.project.name);
  await worker.dispose();
});
