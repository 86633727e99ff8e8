// One sign-in per spec file, shared by its tests: the server allows five sign-ins a minute
// per e-mail, and a file of tests each signing in would trip it. The sign-in itself goes
// through the form, as a user does; each test then starts with the session cookie.
import type { APIRequestContext, Cookie, Page, TestType } from "@playwright/test";
import { signIn } from "./support";

export const base = () => `http://127.0.0.1:${process.env.E2E_PORT}`;

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
    post: (url: string, options?: { data?: unknown }) => r.post(url, { ...options, headers: { Origin: base() } }),
  } as unknown as APIRequestContext;
}
