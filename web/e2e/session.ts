// One password sign-in per test (the API allows five a minute): the browser reuses the
// session of the API client the test compares figures with.
import type { APIRequestContext, Page } from "@playwright/test";

export async function openSignedIn(page: Page, api: APIRequestContext, path: string): Promise<void> {
  const state = await api.storageState();
  await page.context().addCookies(state.cookies);
  await page.goto(path);
  await page.waitForURL((url) => url.pathname === path.split("?")[0]);
  await page.getByRole("heading", { level: 1 }).waitFor(); // the page's chunk has loaded
}
