// The agent's local UI at a phone's size (390 × 844) in Debian's Chromium, against the real
// agent (poll loop and UI) polling a fake cloud and placing at a fake Kite (tests/agent/ui_serve.py).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { defineConfig, devices } from "@playwright/test";

function freePort(): string {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return execFileSync(process.execPath, ["-e", script]).toString().trim();
}

process.env.E2E_AGENT_PORT ??= freePort();
const baseURL = `http://127.0.0.1:${process.env.E2E_AGENT_PORT}`;
const root = fileURLToPath(new URL("../..", import.meta.url));
const python = process.env.E2E_PYTHON ?? `${root}.venv/bin/python`;
const path = ["src", "sdk/python/src", "brokers/python/src", "agent/src", ""].map((p) => `${root}${p}`).join(":");
const chromium = { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" };

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    ...devices["Pixel 7"],
    baseURL,
    viewport: { width: 390, height: 844 },
    timezoneId: "Asia/Kolkata",
    locale: "en-IN",
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
  webServer: {
    command: `${python} -m tests.agent.ui_serve`,
    cwd: root,
    env: { PYTHONPATH: path, E2E_AGENT_PORT: process.env.E2E_AGENT_PORT },
    url: `${baseURL}/api/session`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
