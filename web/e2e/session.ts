// Sessions for the end-to-end tests. The server allows five sign-ins a minute per e-mail
// (raised for the test server, but tests should not lean on it), so a spec signs in once
// and its tests reuse the cookie, or the browser reuses the session of the API client the
// test compares figures with.
import type { APIRequestContext, Cookie, Page, TestType } from "@playwright/test";
import { signIn } from "./support";

export const base = () => `http://127.0.0.1:${process.env.E2E_PORT}`;

/** Opens `path` in the browser with the API client's session cookie. */
export async function openSignedIn(page: Page, api: APIRequestContext, path: string): Promise<void> {
  const state = await api.storageState();
  await page.context().addCookies(state.cookies);
  await page.goto(path);
  await page.waitForURL((url) => url.pathname === path.split("?")[0]);
  await page.getByRole("heading", { level: 1 }).waitFor(); // the page's chunk has loaded
}

/** One form sign-in per spec file; each test then starts with its cookie. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function shareSignIn(test: TestType<any, any>): void {
  let cookies: Cookie[] = [];
  test.beforeAll(async ({ browser }) => {
    const context = await browser.newContext({ baseURL: base() });
    const page = await context.newPage();
    await signIn(page, "/dashboard");
    cookies = await context.cookies();
    await context.close();
  });
  test.beforeEach(async ({ page }) => {
    await page.context().addCookies(cookies);
  });
}

/** The API as the signed-in page (its cookie); writes carry the Origin header as the
 * browser's do. Figures fetched here are compared with what the page shows. */
export function pageApi(page: Page): APIRequestContext {
  const r = page.request;
  return {
    get: (url: string) => r.get(url),
    post: (url: string, options?: { data?: unknown }) =>
      r.post(url, { ...options, headers: { Origin: base() } }),
  } as unknown as APIRequestContext;
}
