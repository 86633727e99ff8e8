// What the end-to-end tests share: the demo login, an API client signed in as the demo user
// (to compare what the page shows with what the API says), axe checks and screenshots.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, type Locator, type Page, expect, request } from "@playwright/test";

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
    // where (the selector) and what (the text axe measured), so a failure in CI can be found
    bad.map((v) => `${v.id}: ${v.help}: ${v.nodes.map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""} ${n.html.slice(0, 300)}`).join(" | ")}`),
  ).toEqual([]);
}

/** Keeps a screenshot for the README (docs/screenshots/<name>-<project>.png), once nothing
 * on it is cut or crowded: every page a reader sees is laid out as `expectLaidOut` asks. */
export async function keepScreenshot(page: Page, name: string, project: string): Promise<void> {
  await expectLaidOut(page, `${name} (${project})`);
  await page.screenshot({ path: join(screenshots, `${name}-${project}.png`), fullPage: false });
}

/** What the page's next read of `pathname` (the whole paper account: no query, or the
 * header switch's ``book=paper``) answered. Figures marked to the last tick move between two reads, so a page is
 * compared with its own read, not with one the test takes a moment apart (the page re-reads
 * them on a 5 s beat: `web/src/api/refresh.ts`). */
export async function nextPageRead<T>(page: Page, pathname: string): Promise<T> {
  const answer = await page.waitForResponse(
    (r) => {
      const url = new URL(r.url());
      return url.pathname === pathname && (url.search === "" || url.search === "?book=paper") && r.ok();
    },
    { timeout: 7_000 },
  );
  return (await answer.json()) as T;
}

/** What is cut or crowded on the page as it stands: every button, tab, badge, checkbox, figure
 * and chart label (SVG text) must lie inside the box that holds it (a card, a cell, a chart,
 * anything that hides its overflow, the screen) with its own text whole, and apart from every
 * other one; text (a card's label, a table's cell) must fit its box too; and no box scrolls
 * sideways to hide one (a table too wide for the screen drops its lesser columns or becomes
 * cards). Canvas charts (lightweight-charts) draw their own labels and are not seen here. Hidden ones, ones in a closed drawer (off the left edge)
 * and ones under an open dialog are not judged; a bar fixed to the screen is compared with
 * its own, not with the page scrolling under it. `also` adds selectors of an app that is not
 * built on Mantine (the agent's UI). */
export async function layoutFaults(page: Page, { also = [] as string[] } = {}): Promise<string[]> {
  // a chart drawn after its library loads, fonts swapped in: judge the settled page
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
  return page.evaluate((also) => {
    const SUBJECTS = [
      "button", "[role=button]", "[role=tab]", "a.mantine-Button-root", ".mantine-Badge-root",
      ".mantine-SegmentedControl-label", ".mantine-Checkbox-body", ".mantine-Switch-body", ".num", "svg text", ...also,
    ].join(",");
    const SLACK = 1; // sub-pixel rounding
    const width = window.innerWidth;
    const dialogs = [...document.querySelectorAll("[role=dialog]")].filter((d) => d.checkVisibility());
    const layer = dialogs[dialogs.length - 1] ?? document.body;
    const shown = (el: Element): boolean => {
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1 || r.right <= 0) return false;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
      // a toast comes and goes over whatever is under it
      return el.closest("[aria-hidden=true], .visually-hidden, .mantine-Notifications-root") === null;
    };
    const name = (el: Element): string => {
      const text = (el.getAttribute("aria-label") ?? el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 40);
      const kind = el.matches("button, [role=button], [role=tab], a") ? "button" : el.matches(".mantine-Badge-root") ? "badge"
        : el.matches("svg text") ? "chart label" : el.matches(".num, .pnl, .value, .big") ? "figure" : el.matches("td, th") ? "cell" : "text";
      return `${kind} "${text}"`;
    };
    const boxName = (el: Element): string =>
      `${el.tagName.toLowerCase()}${typeof el.className === "string" && el.className ? `.${el.className.split(" ")[0]}` : ""}`;
    const cut = (a: DOMRect, b: DOMRect) =>
      a.left < b.left - SLACK || a.right > b.right + SLACK || a.top < b.top - SLACK || a.bottom > b.bottom + SLACK;
    // a figure inside a card's value is judged too: its own box is where its text runs
    const subjects = [...layer.querySelectorAll(SUBJECTS)].filter(shown);
    // text (a card's label, a table's cell) must fit its box too; it is not compared for overlaps
    // (a line that wraps has a box as wide as the paragraph)
    const texts = [...layer.querySelectorAll(".mantine-Text-root, td, th")].filter(shown);
    const faults: string[] = [];

    if (document.documentElement.scrollWidth > width + SLACK) {
      faults.push(`the page is ${document.documentElement.scrollWidth - width}px wider than the screen`);
    }
    const scrollers = new Map<HTMLElement, string[]>();
    const scrolledAway = new Set<Element>(); // below or above a box that scrolls up and down
    for (const el of [...subjects, ...texts]) {
      const box = el.getBoundingClientRect();
      // its own text cut (an ellipsis, or a label wider than its button) or running out of it
      for (const part of [el, ...el.querySelectorAll(".mantine-Button-label, .mantine-Badge-label, .mantine-Button-inner")]) {
        const style = getComputedStyle(part);
        if (style.display !== "inline" && part.scrollWidth > part.clientWidth + SLACK) {
          const how = style.overflowX === "visible" ? "runs out of it" : "is cut";
          faults.push(`${name(el)}: its text ${how} (${part.scrollWidth}px in ${part.clientWidth}px)`);
          break;
        }
      }
      let boxed = false;
      for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
        const style = getComputedStyle(up);
        const sideways = (style.overflowX === "auto" || style.overflowX === "scroll") && up.scrollWidth > up.clientWidth + SLACK;
        if (sideways) {
          scrollers.set(up, [...(scrollers.get(up) ?? []), name(el)]);
          boxed = true;
          break;
        }
        // a list that scrolls up and down (a timeline) shows the rest as the user scrolls
        if ((style.overflowY === "auto" || style.overflowY === "scroll") && up.scrollHeight > up.clientHeight + SLACK) {
          const edge = up.getBoundingClientRect();
          if (box.left < edge.left - SLACK || box.right > edge.right + SLACK) faults.push(`${name(el)} is cut by its ${boxName(up)}`);
          else if (box.top < edge.top - SLACK || box.bottom > edge.bottom + SLACK) scrolledAway.add(el);
          boxed = true;
          break;
        }
        const clips = [style.overflowX, style.overflowY].some((o) => o === "hidden" || o === "clip");
        if ((clips || up.matches(".mantine-Paper-root, .mantine-Card-root, td, th") || parseFloat(style.borderRightWidth) > 0)
          && cut(box, up.getBoundingClientRect())) {
          faults.push(`${name(el)} is cut by its ${boxName(up)}`);
          boxed = true;
          break;
        }
      }
      if (!boxed && (box.left < -SLACK || box.right > width + SLACK)) faults.push(`${name(el)} runs off the screen`);
    }
    for (const [box, names] of scrollers) {
      faults.push(`a ${boxName(box)} scrolls sideways (${box.scrollWidth}px in ${box.clientWidth}px), holding ${names.slice(0, 4).join(", ")}${names.length > 4 ? ` and ${names.length - 4} more` : ""}`);
    }
    // no two on top of each other (a badge over a button, two chart labels)
    const pinned = (el: Element): Element | null => {
      for (let up: Element | null = el; up; up = up.parentElement) {
        if (["fixed", "sticky"].includes(getComputedStyle(up).position)) return up;
      }
      return null;
    };
    const boxes = subjects.filter((el) => !scrolledAway.has(el))
      .map((el) => ({ el, r: el.getBoundingClientRect(), layer: pinned(el) })).sort((a, b) => a.r.left - b.r.left);
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i]!;
      for (let j = i + 1; j < boxes.length && boxes[j]!.r.left < a.r.right - SLACK; j++) {
        const b = boxes[j]!;
        const overlaps = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left) > SLACK
          && Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top) > SLACK;
        if (overlaps && a.layer === b.layer && !a.el.contains(b.el) && !b.el.contains(a.el)) faults.push(`${name(a.el)} overlaps ${name(b.el)}`);
      }
    }
    return [...new Set(faults)];
  }, also);
}

/** Nothing cut and nothing crowded (see `layoutFaults`); `where` names the page and width.
 * A page still settling (a table dropping a column after a resize, a chart loading) is given
 * a moment; what stays wrong fails. */
export async function expectLaidOut(page: Page, where: string, options: { also?: string[] } = {}): Promise<void> {
  await expect.poll(() => layoutFaults(page, options), { message: where, timeout: 3_000 }).toEqual([]);
}

/** A DataTable named `name` as its reader finds it: the table, or the cards it becomes where it
 * does not fit (on a phone; `DataTable`'s `drop` columns go first). */
export function tableOrCards(scope: Page | Locator, name: string): Locator {
  return scope.getByRole("table", { name }).or(scope.getByRole("list", { name }));
}

/** Its rows: the table's body rows once its data are in (while `aria-busy`, its one row is the
 * "Loading…" placeholder: none are counted), or its cards. */
export function tableRows(scope: Page | Locator, name: string): Locator {
  return scope.getByRole("table", { name }).and(scope.locator("table:not([aria-busy])")).locator("tbody").getByRole("row")
    .or(scope.getByRole("list", { name }).getByRole("listitem"));
}
