// End-to-end tests in Debian's Chromium (Playwright's own browser download does not work
// here) against a real `tradertape demo` server on a free port with a throwaway data folder.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, devices } from "@playwright/test";

function freePort(): string {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return execFileSync(process.execPath, ["-e", script]).toString().trim();
}

// Worker processes re-read this file: the first evaluation picks the port and folder.
process.env.E2E_PORT ??= freePort();
process.env.E2E_KITE_PORT ??= freePort(); // the fake Kite the server logs in to
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "tradertape-e2e-"));
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
const chromium = { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" };

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000, // the CI host is shared; a page is given time, not retries
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    timezoneId: "Asia/Kolkata",
    locale: "en-IN",
    // Recording a trace for every test (to keep a failure's) cost 12-15 % of the run's time
    // and a quarter of its CPU, for files CI never shows: a failing spec is re-run with
    // `npx playwright test e2e/<spec> --trace on` to see its trace.
    trace: "off",
    launchOptions: chromium,
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 }, launchOptions: chromium } },
    {
      name: "phone",
      use: { ...devices["Pixel 7"], viewport: { width: 390, height: 844 }, launchOptions: chromium },
      grep: /@phone/,
    },
  ],
  webServer: {
    command: "node e2e/serve.mjs",
    url: `${baseURL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
