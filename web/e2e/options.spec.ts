// Options in the browser: the chain renders around ATM with PCR and max pain as the API
// says, a bull call spread from the chain draws the payoff the API computes (the page's own
// answer is compared with what it shows), and the what-if asks the API again.
import { expect, type Page, type Response, test } from "@playwright/test";
import { inr, signedInr } from "../src/format/money";
import { istDate } from "../src/format/time";
import { openingExpiry } from "../src/options/spread";
import { expectAccessible, keepScreenshot } from "./support";
import { pageApi, shareSignIn } from "./session";

shareSignIn(test);

interface Payoff {
  max_profit: string | null; max_loss: string | null; pnl_today: string; breakevens: string[];
  points: unknown[]; scenario: { iv_shift: number };
}

const payoffAnswer = (page: Page) =>
  page.waitForResponse((r: Response) => r.url().endsWith("/api/options/payoff") && r.request().method() === "POST");

test("a chain renders and a spread's payoff is drawn with the API's figures @phone", async ({ page }, info) => {
  await page.goto("/options");
  const table = page.getByRole("table", { name: /^NIFTY option chain/ });
  await expect(table).toBeVisible();
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

  // a bull call spread from the chain
  const answered = payoffAnswer(page);
  await page.getByRole("button", { name: "Add a spread" }).click();
  await page.getByRole("menuitem", { name: "Bull call spread" }).click();
  const payoff = (await (await answered).json()) as Payoff;
  const structure = page.getByRole("region", { name: "Your structure" });
  await expect(structure.getByRole("table", { name: "Legs" }).getByRole("row")).toHaveCount(3);
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
});
