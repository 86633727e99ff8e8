// The feed's state on the desk (issue 54): the top bar's badge says the demo's simulated feed
// is live, as the server answers it; then the feed's answer is replaced by a quiet broker
// feed's (a Kite socket silent in market hours, as `/_fake/ticker` drives it in the server's
// integration tests: the e2e server runs the simulated feed, which cannot go quiet), and the
// badge, the market watch's rows and a MARKET ticket say the prices are stale, or come from
// the broker's REST quote. On a phone the top bar has no room: the market watch shows the
// badge while the feed is quiet.
import { type Page, expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support";
import { shareSignIn } from "./session";

shareSignIn(test);

/** The feed badge the page shows (the top bar's; on a phone, the market watch's). */
const feedBadge = (page: Page) => page.getByTestId("feed-badge").filter({ visible: true });

const QUIET = {
  source: "kite",
  state: "reconnecting",
  last_tick_age_secs: 23.4,
  subscriptions: 12,
  stale_after_secs: 10,
  reconnects: 2,
  filling_from: null,
  last_fill_age_secs: null,
  report_age_secs: 0.4,
};

/** Every read of the feed's state answers `body` from now on. */
async function feedSays(page: Page, body: Record<string, unknown>): Promise<void> {
  await page.route("**/api/market/feed", (route) => route.fulfill({ json: body }));
}

async function openMarket(page: Page): Promise<void> {
  await page.goto("/market");
  await page.getByRole("heading", { level: 1, name: "Market watch" }).waitFor();
}

test("the top bar says the server's feed is live", async ({ page }, info) => {
  test.skip(info.project.name === "phone", "a live feed shows no badge in the phone's bar");
  await openMarket(page);
  const badge = feedBadge(page);
  await expect(badge).toHaveText("Feed live");
  await expect(badge).toHaveAttribute("aria-label", /Simulated feed is live: last tick \d+ s ago/);
});

test("a quiet feed's prices are marked stale, and a MARKET ticket says so before it is sent @phone", async ({ page }, info) => {
  await feedSays(page, QUIET);
  await openMarket(page);
  const badge = feedBadge(page);
  await expect(badge).toHaveText("Feed reconnecting");
  await expect(badge).toHaveAttribute("data-tone", "stale");
  await expect(page.getByRole("alert").filter({ hasText: "Prices are stale" }))
    .toContainText("Kite feed: no tick for 23 s. Prices shown are stale; reconnecting.");
  await expect(page.getByLabel("INFY last price (stale)", { exact: true })).toBeVisible();

  await feedSays(page, { ...QUIET, state: "stale", last_tick_age_secs: 12.2 });
  await page.reload();
  await expect(badge).toHaveText("Feed stale 12 s");
  await expectAccessible(page);
  await keepScreenshot(page, "feed-stale", info.project.name);

  await page.getByRole("button", { name: "Buy INFY" }).click();
  const ticket = page.getByRole("dialog");
  await expect(ticket.getByText("Buy INFY")).toBeVisible();
  await ticket.getByLabel("Order type").selectOption("MARKET");
  await expect(ticket.getByTestId("ticket-stale"))
    .toContainText("The last price is stale: the Kite feed has sent no tick for 12 s. A market order is priced from it");
  await ticket.getByLabel("Order type").selectOption("LIMIT");
  await expect(ticket.getByTestId("ticket-stale")).toHaveCount(0); // a limit order names its price
});

test("prices filled from the broker's REST quote say so @phone", async ({ page }, info) => {
  await feedSays(page, { ...QUIET, last_tick_age_secs: 41.0, filling_from: "rest", last_fill_age_secs: 1.2 });
  await openMarket(page);
  await expect(feedBadge(page)).toHaveText("Prices from REST quotes");
  await expect(page.getByRole("alert").filter({ hasText: "Prices from the broker's REST quote" }))
    .toContainText("Prices shown come from the broker's REST quote (last fetched 1 s ago).");
  await expect(page.getByLabel("INFY last price (from the broker's REST quote)", { exact: true })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "feed-rest", info.project.name);

  await page.getByRole("button", { name: "Sell INFY" }).click();
  const ticket = page.getByRole("dialog");
  await ticket.getByLabel("Order type").selectOption("MARKET");
  await expect(ticket.getByTestId("ticket-stale")).toContainText("the last price comes from the broker's REST quote, fetched 1 s ago");
});
