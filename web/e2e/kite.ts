// The fake Kite the e2e server logs in to (`tradertape fake-broker kite`, started by
// serve.mjs): register our app with it, log in through Settings with Browser Login, forget it.
import { type Page, expect, request } from "@playwright/test";
import { signIn } from "./support";

export const KITE = () => `http://127.0.0.1:${process.env.E2E_KITE_PORT}`;
export const APP = { api_key: "e2ekiteapp", api_secret: "e2e-kite-secret-0123" };

/** Every request the page sends from now on, with its body (to prove what never left it). */
export function recordRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => sent.push(`${r.url()} ${r.postData() ?? ""}`));
  return sent;
}

/** Signs in, saves the app key and logs in to the fake Kite with the browser's checksum. */
export async function connectKite(page: Page, baseURL: string, beforeLogin?: () => void): Promise<void> {
  const fake = await request.newContext();
  const registered = await fake.post(`${KITE()}/_fake/apps`, {
    data: { ...APP, redirect_url: `${baseURL}/api/brokers/kite/callback` },
  });
  expect(registered.ok()).toBeTruthy();
  await fake.dispose();

  await signIn(page, "/settings/brokers");
  const card = kiteCard(page);
  await card.getByLabel("Zerodha Kite API key").fill(APP.api_key);
  await card.getByRole("button", { name: "Save credentials" }).click();
  beforeLogin?.();
  await card.getByRole("link", { name: "Log in to Zerodha Kite" }).click();

  await expect(page).toHaveURL(/\/settings\/brokers\?broker=kite&login=checksum&request_token=/);
  await page.getByLabel("Kite API secret", { exact: true }).fill(APP.api_secret);
}

export async function completeKiteLogin(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Complete Kite login" }).click();
  await expect(kiteCard(page).getByText("connected", { exact: true })).toBeVisible();
}

/** Picks the account every page shows in the header's switch ("Paper", "Kite"). */
export async function showAccount(page: Page, name: string): Promise<void> {
  const switcher = page.getByTestId("account-switch");
  await switcher.click();
  await page.getByRole("menuitem", { name: new RegExp(`^${name} \\(`) }).click();
  await expect(switcher).toContainText(name);
}

export const kiteCard = (page: Page) => page.getByRole("region", { name: "Zerodha Kite broker" });

/** Later specs trade on the paper account: forget Kite again (its views would answer them). */
export async function forgetKite(page: Page): Promise<void> {
  await page.goto("/settings/brokers");
  const card = kiteCard(page);
  await card.getByRole("button", { name: "Forget credentials" }).click();
  await expect(card.getByText("connected", { exact: true })).toBeHidden();
  const after = await page.request.get("/api/portfolio/orders");
  expect(after.headers()["x-broker"]).toBe("paper");
}
