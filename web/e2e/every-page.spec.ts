// Every page in the navigation passes axe (no serious or critical violation), in the light
// theme and the dark one (badges, P&L colours and muted text stay readable on dark).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { shareSignIn } from "./session";
import { expectAccessible } from "./support";

shareSignIn(test);

// The navigation as routes.tsx declares it: a page added there is checked here without edits.
const routes = readFileSync(join(import.meta.dirname, "..", "src", "app", "routes.tsx"), "utf8");
const pages = [...routes.matchAll(/\{ path: "(\/[^"]*)", label: "([^"]+)" \}/g)].map((m) => ({ path: m[1]!, label: m[2]! }));

test("the navigation lists the pages this spec checks", () => {
  expect(pages.length).toBeGreaterThanOrEqual(12);
});

for (const scheme of ["light", "dark"] as const) {
  test(`every page passes axe in the ${scheme} theme`, async ({ page }, info) => {
    test.skip(info.project.name !== "desktop", "one viewport is enough for the sweep");
    test.slow(); // fourteen pages on a shared machine
    await page.addInitScript((value) => localStorage.setItem("tradertape-color-scheme", value), scheme);
    for (const { path, label } of pages) {
      await test.step(label, async () => {
        await page.goto(path);
        await page.getByRole("heading", { level: 1 }).first().waitFor();
        // the page's data, not its loader, is what is checked
        await page.waitForFunction(() => document.querySelector(".mantine-Loader-root") === null);
        await page.mouse.move(0, 0); // a hovered row's shade is not the page's
        await expectAccessible(page);
      });
    }
  });
}
