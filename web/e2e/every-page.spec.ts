// Every page in the navigation passes axe (no serious or critical violation), in the light
// theme and the dark one (badges, P&L colours and muted text stay readable on dark), and is
// laid out at 1440, 1280 and 390 px: no button, badge, figure or chart label cut by its box
// or lying on another (`expectLaidOut`). Pages that need data made first (a backtest run, a
// sweep, a worker run) are checked where their specs keep a screenshot (`keepScreenshot`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Page, expect, test } from "@playwright/test";
import { shareSignIn } from "./session";
import { expectAccessible, expectLaidOut, layoutFaults } from "./support";

shareSignIn(test);

const source = (file: string) => readFileSync(join(import.meta.dirname, "..", "src", file), "utf8");
// The navigation as routes.tsx declares it: a page added there is checked here without edits.
const pages = [...source("app/routes.tsx").matchAll(/\{ path: "(\/[^"]*)", label: "([^"]+)" \}/g)]
  .map((m) => ({ path: m[1]!, label: m[2]! }));
// Their tabs and sections (each its own address), and the pages a click away that the demo
// has data for, are laid out too.
const journalTabs = [...(/const TABS = \[([^\]]*)\]/.exec(source("journal/JournalPage.tsx"))?.[1] ?? "").matchAll(/\{ value: "([a-z-]+)", label: "([^"]+)" \}/g)]
  .filter((m) => m[1] !== "pnl").map((m) => ({ path: `/journal/${m[1]}`, label: `Journal: ${m[2]}` }));
const settingsSections = [...source("settings/SettingsPage.tsx").matchAll(/\{ path: "([a-z-]+)", label: "([^"]+)"/g)]
  .map((m) => ({ path: `/settings/${m[1]}`, label: `Settings: ${m[2]}` }));
const beyond = [
  ...journalTabs,
  ...settingsSections,
  { path: "/market/chart/INFY", label: "Chart" },
  { path: "/backtests/sweeps", label: "Parameter sweeps" },
  { path: "/workers/tokens", label: "Worker tokens" },
];

test("the navigation lists the pages this spec checks", () => {
  expect(pages.length).toBeGreaterThanOrEqual(12);
  expect(journalTabs.length).toBeGreaterThanOrEqual(4);
  expect(settingsSections.length).toBeGreaterThanOrEqual(8);
});

test("the layout check sees what it is for", async ({ page }, info) => {
  test.skip(info.project.name !== "desktop", "one viewport is enough");
  await page.setContent(`
    <div style="width:200px;overflow:hidden"><button style="margin-left:150px;width:100px">Close</button></div>
    <div><span class="mantine-Badge-root" style="display:inline-block;width:90px">Provisional</span><button style="margin-left:-40px">Modify</button></div>
    <div style="width:200px;overflow-x:auto"><table><tr><td>Book</td><td style="padding-left:300px">P&amp;L</td></tr></table></div>
    <div style="width:80px;border:1px solid"><p class="mantine-Text-root" style="white-space:nowrap">+₹33,740.00 (+6.32%)</p></div>
    <svg width="100" height="40"><text x="-8" y="20">2025</text></svg>
    <div style="height:40px;overflow-y:auto"><p style="height:100px"></p><button>Further down</button></div>`);
  const faults = (await layoutFaults(page)).join("\n");
  expect(faults).toContain('button "Close" is cut by its div');
  expect(faults).toContain('badge "Provisional" overlaps button "Modify"');
  expect(faults).toMatch(/a div scrolls sideways \(\d+px in 200px\), holding cell "Book", cell "P&L"/);
  expect(faults).toContain('text "+₹33,740.00 (+6.32%)": its text runs out of it');
  expect(faults).toContain('chart label "2025" is cut by its svg');
  expect(faults).not.toContain("Further down"); // a list that scrolls up and down shows it on a scroll
});

/** Opens the page and waits for its data, not its loader. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await page.waitForFunction(() =>
    document.querySelector(".mantine-Loader-root") === null && !document.body.innerText.includes("Loading…"));
}

for (const scheme of ["light", "dark"] as const) {
  test(`every page passes axe in the ${scheme} theme${scheme === "light" ? ", laid out at 1440 and 1280 px" : ""}`, async ({ page }, info) => {
    test.skip(info.project.name !== "desktop", "one viewport is enough for the sweep");
    test.slow(); // eighteen pages on a shared machine
    await page.addInitScript((value) => localStorage.setItem("tradertape-color-scheme", value), scheme);
    for (const { path, label } of scheme === "light" ? [...pages, ...beyond] : pages) {
      await test.step(label, async () => {
        await page.setViewportSize({ width: 1440, height: 900 });
        await open(page, path);
        await page.mouse.move(0, 0); // a hovered row's shade is not the page's
        if (!beyond.some((b) => b.path === path)) await expectAccessible(page);
        if (scheme === "dark") return; // the layout is the same in either theme
        await expectLaidOut(page, `${label} at 1440 px`);
        await page.setViewportSize({ width: 1280, height: 800 });
        await expectLaidOut(page, `${label} at 1280 px`);
      });
    }
  });
}

test("every page laid out on a phone @phone", async ({ page }, info) => {
  test.skip(info.project.name !== "phone", "the phone's own sweep");
  test.slow(); // thirty-odd pages on a shared machine
  for (const { path, label } of [...pages, ...beyond]) {
    await test.step(label, async () => {
      await open(page, path);
      await expectLaidOut(page, `${label} at 390 px`);
    });
  }
});
