// What the end-to-end tests share: the demo login, an API client signed in as the demo user
// (to compare what the page shows with what the API says), axe checks and screenshots.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, type Page, expect, request } from "@playwright/test";

export const DEMO = { email: "demo@tradertape.dev", password: "tradertape-demo" };
const root = resolve(import.meta.dirname, "..", "..");
export const screenshots = join(root, "docs", "screenshots");

/** Signs the page in through the form, as a user does. */
export async function signIn(page: Page, next = "/dashboard"): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByRole("textbox", { name: "E-mail" }).fill(DEMO.email);
  await page.getByLabel(/^Password/).fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const path = next.split("?")[0] ?? next;
  await expect(page).toHaveURL((url) => url.pathname === path, { timeout: 20_000 });
}

/** An API client with the demo user's session cookie (same origin, so writes are allowed). */
export async function demoApi(baseURL: string): Promise<APIRequestContext> {
  const context = await request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL } });
  const res = await context.post("/api/auth/password-login", { data: DEMO });
  expect(res.ok()).toBeTruthy();
  return context;
}

/** The newest sign-in code mailed to `email` (the outbox, without SMTP). */
export function latestOtp(email: string): string {
  // the outbox lists newest first; only this address's newest mail holds the code
  const out = execFileSync(join(root, ".venv", "bin", "tradertape"), ["outbox", "--to", email, "--limit", "1"], {
    env: { ...process.env, TRADERTAPE_DATA_DIR: process.env.E2E_DATA_DIR },
    cwd: root,
  }).toString();
  const code = /\b(\d{6})\b/.exec(out.slice(out.indexOf("\n")))?.[1];
  if (code === undefined) throw new Error(`no code for ${email} in:\n${out}`);
  return code;
}

/** No serious or critical accessibility violation on the page as it stands, once its finite
 * animations are over: axe must not judge a dialog that is fading out (its close button is
 * half-drawn, its text half-transparent). Endless ones (a loader) are left running. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity),
  );
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.help}: ${v.nodes.map((n) => n.html.slice(0, 120)).join(" | ")}`),
  ).toEqual([]);
}

/** Keeps a screenshot for the README (docs/screenshots/<name>-<project>.png). */
export async function keepScreenshot(page: Page, name: string, project: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}-${project}.png`), fullPage: false });
}

/** What the page's next read of `pathname` (no query: the whole account, as the API answers
 * by default) answered. Figures marked to the last tick move between two reads, so a page is
 * compared with its own read, not with one the test takes a moment apart (the page re-reads
 * them on a 5 s beat: `web/src/api/refresh.ts`). */
export async function nextPageRead<T>(page: Page, pathname: string): Promise<T> {
  const answer = await page.waitForResponse(
    (r) => {
      const url = new URL(r.url());
      return url.pathname === pathname && url.search === "" && r.ok();
    },
    { timeout: 7_000 },
  );
  return (await answer.json()) as T;
}
