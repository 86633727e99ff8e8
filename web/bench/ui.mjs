// UI speed bench (issue 16's targets): run `node bench/ui.mjs` in web/ after `npm run build`.
//   (a) initial JavaScript, gzipped: the entry chunk of the built index.html plus every chunk
//       it imports statically (what the browser must load before the first paint);
//   (b) dashboard with data painted after navigation on loopback: goto → the first open
//       position's row of the portfolio tab visible (the API's figures on screen), signed
//       in, median of 5;
//   (c) a market watch of 50 symbols at 2 ticks/s for 10 s: long tasks over 50 ms, counted by
//       a PerformanceObserver('longtask') in the page. The tick socket is served by the bench
//       (Playwright's routeWebSocket) so the rate is exactly 2 ticks/s per symbol.
// It starts its own `tradertape demo` on a free port with a throwaway data folder.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";

const root = resolve(import.meta.dirname, "..", "..");
const dist = join(root, "src", "tradertape", "web_dist");
const DEMO = { email: "demo@tradertape.dev", password: "tradertape-demo" };

function initialJs() {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const entry = [...html.matchAll(/<script[^>]+type="module"[^>]+src="\/?([^"]+)"/g)].map((m) => m[1]);
  const preload = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/?([^"]+)"/g)].map((m) => m[1]);
  const seen = new Set();
  const queue = [...entry, ...preload];
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(dist, file), "utf8");
    const dir = file.slice(0, file.lastIndexOf("/") + 1);
    // Static imports only: `import{a}from"./x.js"` / `import"./x.js"`, not `import("./x.js")`.
    for (const m of code.matchAll(/import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(dir + m[1]);
  }
  let raw = 0;
  let gz = 0;
  for (const file of seen) {
    const bytes = readFileSync(join(dist, file));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: seen.size, raw, gz };
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

async function waitHealthy(base, ms = 180_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try { if ((await fetch(`${base}/api/health`)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("server did not start");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const js = initialJs();
  console.log(`(a) initial JS: ${(js.gz / 1024).toFixed(1)} KB gzipped (${(js.raw / 1024).toFixed(1)} KB raw, ${js.files} files); target ≤ 250 KB`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "tradertape-bench-"));
  const server = spawn(join(root, ".venv", "bin", "tradertape"), ["demo", "--port", String(port)], {
    cwd: root, stdio: "ignore",
    env: { ...process.env, TRADERTAPE_DATA_DIR: dataDir, TRADERTAPE_PUBLIC_BASE_URL: base },
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    await waitHealthy(base);
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 } });
    const login = await context.request.post("/api/auth/password-login", { data: DEMO, headers: { Origin: base } });
    if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
    const page = await context.newPage();

    await page.goto("/dashboard"); // warm the HTTP cache once, as a returning user has it
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const paints = [];
    for (let i = 0; i < 5; i++) {
      await page.goto("about:blank");
      const t0 = Date.now();
      await page.goto("/dashboard");
      const positions = page.getByRole("region", { name: /^Open positions \(\d+\)$/ });
      await positions.getByRole("row").nth(1).waitFor(); // a position row with its figures
      paints.push(Date.now() - t0);
    }
    console.log(`(b) dashboard with data painted after navigation: median ${median(paints)} ms (runs: ${paints.join(", ")}); target ≤ 1000 ms`);

    // (c) 50 symbols in the first watchlist, ticks served at 2/s per symbol.
    const found = await (await context.request.get("/api/universes")).json();
    let symbols = [];
    for (const u of found) {
      const detail = await (await context.request.get(`/api/universes/${encodeURIComponent(u.name)}`)).json();
      const keys = (detail.instruments ?? detail.members ?? detail.items ?? []).map((x) => (typeof x === "string" ? x : x.key));
      if (keys.length >= 50) { symbols = keys.slice(0, 50); break; }
    }
    if (symbols.length < 50) throw new Error("no universe with 50 instruments");
    const lists = await (await context.request.get("/api/watchlists")).json();
    await context.request.patch(`/api/watchlists/${lists[0].id}`, { data: { items: symbols }, headers: { Origin: base } });

    const watch = await context.newPage();
    let price = 1000;
    await watch.routeWebSocket(/\/api\/ws\/ticks$/, (ws) => {
      const timer = setInterval(() => {
        price += 0.05;
        const data = {};
        symbols.forEach((s, i) => {
          const ltp = Math.round((price + i) * 20) / 20;
          data[s] = { ltp, ohlc: { open: ltp - 5, high: ltp + 3, low: ltp - 7, close: ltp - 2 }, change: 0.2, volume: 1000 + i };
        });
        ws.send(JSON.stringify({ type: "ticks", data }));
      }, 500);
      ws.onClose(() => clearInterval(timer));
      ws.onMessage(() => {});
    });
    await watch.addInitScript(() => {
      window.__long = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
        .observe({ type: "longtask", buffered: true });
    });
    await watch.goto("/market");
    await watch.getByLabel(`${symbols[49]} last price`).filter({ hasNotText: "—" }).waitFor();
    await watch.evaluate(() => { window.__long = []; });
    await watch.waitForTimeout(10_000);
    const long = await watch.evaluate(() => window.__long);
    const over = long.filter((d) => d > 50);
    if (process.env.BENCH_VERBOSE) console.log("long tasks:", long.map((d) => d.toFixed(0)).join(", "));
    console.log(`(c) market watch, 50 symbols at 2 ticks/s for 10 s: ${over.length} long tasks > 50 ms` +
      (long.length ? ` (longest ${Math.max(...long).toFixed(0)} ms)` : "") + "; target 0");
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
