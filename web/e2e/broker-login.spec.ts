// Kite's Browser Login against the fake Kite: the login page sends the browser back to our
// callback, and with no secret stored the checksum is computed in this browser, so the API
// secret never reaches the server.
import { expect, request, test } from "@playwright/test";
import { expectAccessible, signIn } from "./support";

const KITE = () => `http://127.0.0.1:${process.env.E2E_KITE_PORT}`;
const APP = { api_key: "e2ekiteapp", api_secret: "e2e-kite-secret-0123" };

test("Kite Browser Login: the secret stays in the browser, the session connects", async ({ page, baseURL }) => {
  const fake = await request.newContext();
  const registered = await fake.post(`${KITE()}/_fake/apps`, {
    data: { ...APP, redirect_url: `${baseURL}/api/brokers/kite/callback` },
  });
  expect(registered.ok()).toBeTruthy();

  await signIn(page, "/settings/brokers");
  const card = page.getByRole("region", { name: "Zerodha Kite broker" });
  await card.getByLabel("Zerodha Kite API key").fill(APP.api_key);
  await card.getByRole("button", { name: "Save credentials" }).click();
  const sent: string[] = [];
  page.on("request", (r) => sent.push(`${r.url()} ${r.postData() ?? ""}`));
  await card.getByRole("link", { name: "Log in to Zerodha Kite" }).click();

  await expect(page).toHaveURL(/\/settings\/brokers\?broker=kite&login=checksum&request_token=/);
  await page.getByLabel("Kite API secret", { exact: true }).fill(APP.api_secret);
  await expectAccessible(page);
  await page.getByRole("button", { name: "Complete Kite login" }).click();
  await expect(card.getByText("connected", { exact: true })).toBeVisible();
  expect(sent.filter((s) => s.includes(APP.api_secret))).toEqual([]);

  // Later specs trade on the paper account: forget Kite again (its views would answer them).
  await card.getByRole("button", { name: "Forget credentials" }).click();
  await expect(card.getByText("connected", { exact: true })).toBeHidden();
  const after = await page.request.get("/api/portfolio/orders");
  expect(after.headers()["x-broker"]).toBe("paper");
});
