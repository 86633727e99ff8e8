// Starts a real `tradertape demo` server for the end-to-end run: a throwaway data folder,
// the demo data, the built UI. Playwright runs this as its webServer and waits for health.
// Beside it runs the fake Kite (`tradertape fake-broker kite`), which the server reaches as
// its Kite, so a broker login can be tried end to end without the internet.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const port = process.env.E2E_PORT ?? "8799";
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), "tradertape-e2e-"));
const kitePort = process.env.E2E_KITE_PORT ?? "8798";
const root = resolve(import.meta.dirname, "..", "..");
const tradertape = join(root, ".venv", "bin", "tradertape");
const kite = spawn(tradertape, ["fake-broker", "kite", "--port", kitePort], { cwd: root, stdio: "inherit" });
const server = spawn(tradertape, ["demo", "--port", port], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    TRADERTAPE_DATA_DIR: dataDir,
    TRADERTAPE_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TRADERTAPE_KITE_ROOT: `http://127.0.0.1:${kitePort}`,
    TRADERTAPE_KITE_LOGIN_URL: `http://127.0.0.1:${kitePort}/connect/login`,
    // The server allows live trading (to the fake Kite); each user's own switch stays off.
    TRADERTAPE_LIVE_TRADING_ENABLED: "true",
    // The server's clock starts inside a real session (Friday 20 Nov 2026, 10:00 IST) and runs
    // at wall speed: every run sees the same day and the same simulated prices, whatever the
    // wall time (a holiday evening's replay once stood still for the price test).
    TRADERTAPE_CLOCK_START: process.env.E2E_CLOCK_START ?? "2026-11-20T10:00:00+05:30",
    // Every test signs in as the demo user; the default of 5 a minute would refuse the run's.
    TRADERTAPE_AUTH_ATTEMPTS_PER_MINUTE: process.env.TRADERTAPE_AUTH_ATTEMPTS_PER_MINUTE ?? "600",
  },
});
const stop = () => {
  server.kill("SIGTERM");
  kite.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
server.on("exit", (code) => {
  kite.kill("SIGTERM");
  if (!process.env.E2E_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  process.exit(code ?? 0);
});
