// Live option runs against the fake Kite serve.mjs starts: a worker enters a spread on a live
// run, leg by leg; the run's page shows each leg's state as Kite reports it (the hedge
// filled, the sold leg open at its limit, then filled once Kite's price reaches it), and a
// strangle Kite refuses half of shows the refused leg and the filled one unwound.
import { type APIRequestContext, expect, type Page, request, test } from "@playwright/test";
import { KITE, completeKiteLogin, connectKite, forgetKite } from "./kite";
import { expectAccessible, keepScreenshot } from "./support";
import { base } from "./session";
import { instrumentName } from "../src/format/instrument";

test.describe.configure({ timeout: 180_000 });

const W = "/api/algo-workers/worker";
interface Contract { tradingsymbol: string; ltp: number; lot_size: number; option_type: string }
interface Leg { leg_id: string; state: string | null; state_message: string | null }
interface OptionRun { status: string; legs: Leg[] }

async function ok<T>(answer: Awaited<ReturnType<APIRequestContext["post"]>>): Promise<T> {
  expect(answer.ok(), await answer.text()).toBeTruthy();
  return (await answer.json()) as T;
}

async function resolve(worker: APIRequestContext, legs: object[]): Promise<Contract[]> {
  const body = { expiry: "next_week", legs };
  return (await ok<{ resolved: Contract[] }>(await worker.post(`${W}/options/underlyings/NIFTY/selection/resolve`, { data: body }))).resolved;
}

/** List the contracts at the fake Kite, priced as our server models them. */
async function listAtKite(fake: APIRequestContext, contracts: Contract[]): Promise<void> {
  const instruments = contracts.map((c) => ({
    exchange: "NFO", tradingsymbol: c.tradingsymbol, price: c.ltp, lot_size: c.lot_size, instrument_type: c.option_type, name: "NIFTY",
  }));
  expect((await fake.post(`${KITE()}/_fake/instruments`, { data: { instruments } })).ok()).toBeTruthy();
}

async function runPage(page: Page, runKey: string): Promise<void> {
  const cards = (await (await page.request.get("/api/algo-workers/runs")).json()) as { id: number; strategy_run_id: string }[];
  const id = (cards.find((c) => c.strategy_run_id === runKey) as { id: number }).id;
  await page.goto(`/workers/runs/${id}`);
}

// a leg's row, found by the contract's name as the page shows it ("NIFTY 1 Dec 28200 CE")
const legRow = (page: Page, symbol: string) =>
  page.getByRole("table", { name: "Option legs" }).getByRole("row").filter({ hasText: instrumentName(symbol, "NFO") });

test("a live option run at Kite: each leg's state on the run's page, a refused leg and its partner unwound", async ({ page, baseURL }, info) => {
  const fake = await request.newContext();
  await connectKite(page, String(baseURL));
  await completeKiteLogin(page);
  const origin = { headers: { Origin: base() } }; // the page's session writes as the browser does
  const on = await page.request.put("/api/auth/live-trading", { ...origin, data: { live_trading: true, confirm: "LIVE" } });
  expect(on.ok(), await on.text()).toBeTruthy();
  const issued = await ok<{ token: string }>(await page.request.post("/api/algo-workers/tokens", {
    ...origin, data: { name: `live options ${info.project.name}`, account_scope: "kite:FK1234", allowed_modes: ["live", "dry_run"] },
  }));
  const worker = await request.newContext({ baseURL: base(), extraHTTPHeaders: { Authorization: `Bearer ${issued.token}` } });
  const liveRun = async (key: string, name: string) =>
    ok(await worker.post(`${W}/runs`, {
      data: { template_id: "options", account_scope: "kite:FK1234", execution_mode: "live", strategy_run_id: key, metadata: { strategy_family: "options_strategy", strategy_name: name } },
    }));

  // A bull call spread, its sold leg a limit above Kite's price: it waits there.
  const spreadKey = `run_live_spread_${Date.now()}`;
  await liveRun(spreadKey, "Live bull call spread");
  const [long, short] = await resolve(worker, [{ option_type: "CE", offset: 0 }, { option_type: "CE", offset: 2 }]) as [Contract, Contract];
  await listAtKite(fake, [long, short]);
  const limit = Math.ceil(short.ltp * 1.2);
  await ok(await worker.post(`${W}/options/runs`, {
    data: {
      strategy_run_id: spreadKey, strategy_name: "Live bull call spread", product: "NRML",
      legs: [
        { tradingsymbol: long.tradingsymbol, transaction_type: "BUY", lots: 1, leg_id: "hedge" },
        { tradingsymbol: short.tradingsymbol, transaction_type: "SELL", lots: 1, leg_id: "sold", order_type: "LIMIT", price: limit },
      ],
    },
  }));
  const entering = await ok<OptionRun>(await worker.post(`${W}/options/runs/${spreadKey}/enter`, { data: {} }));
  expect(entering.status).toBe("entering");
  expect(entering.legs.map((l) => l.state)).toEqual(["filled", "open"]);
  const sent = ((await (await fake.get(`${KITE()}/_fake/state`)).json()) as { orders: { tradingsymbol: string; status: string }[] }).orders
    .filter((o) => o.tradingsymbol === long.tradingsymbol || o.tradingsymbol === short.tradingsymbol);
  expect(sent.map((o) => [o.tradingsymbol, o.status])).toEqual([[long.tradingsymbol, "COMPLETE"], [short.tradingsymbol, "OPEN"]]);

  await runPage(page, spreadKey);
  const structure = page.getByRole("region", { name: "Option structure" });
  // the structure loads after the run (its chunk, then its answer): a loaded host takes a while
  await expect(structure.getByText("Entering", { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(legRow(page, long.tradingsymbol)).toContainText("Filled");
  await expect(legRow(page, short.tradingsymbol)).toContainText("Open at the broker");
  await expect(structure).toContainText("Each leg goes to Kite on its own");
  await expectAccessible(page);
  await keepScreenshot(page, "option-run-live-entering", info.project.name);

  // Kite's price reaches the limit: the fill is booked (the server polls Kite) and the page follows.
  expect((await fake.post(`${KITE()}/_fake/price`, { data: { [`NFO:${short.tradingsymbol}`]: limit + 1 } })).ok()).toBeTruthy();
  await expect(legRow(page, short.tradingsymbol)).toContainText("Filled", { timeout: 30_000 });
  await expect(structure.getByText("Entered", { exact: true })).toBeVisible();

  // The exit: the short bought back first, then the long sold, both at Kite.
  const exited = await ok<OptionRun>(await worker.post(`${W}/options/runs/${spreadKey}/exit`, { data: {} }));
  expect(exited.status).toBe("exited");
  await expect(legRow(page, long.tradingsymbol)).toContainText("Closed", { timeout: 15_000 });
  await expect(legRow(page, short.tradingsymbol)).toContainText("Closed");

  // A long strangle Kite has the margin for half of: the put is refused, the call unwound.
  const strangleKey = `run_live_strangle_${Date.now()}`;
  await liveRun(strangleKey, "Live strangle");
  const [call, put] = await resolve(worker, [{ option_type: "CE", offset: 1 }, { option_type: "PE", offset: -1 }]) as [Contract, Contract];
  await listAtKite(fake, [call, put]);
  await ok(await worker.post(`${W}/options/runs`, {
    data: {
      strategy_run_id: strangleKey, strategy_name: "Live strangle", product: "NRML",
      legs: [
        { tradingsymbol: call.tradingsymbol, transaction_type: "BUY", lots: 1, leg_id: "call" },
        { tradingsymbol: put.tradingsymbol, transaction_type: "BUY", lots: 1, leg_id: "put" },
      ],
    },
  }));
  expect((await fake.post(`${KITE()}/_fake/funds`, { data: { cash: Math.ceil(call.ltp * call.lot_size) + 100 } })).ok()).toBeTruthy();
  const entered = await ok<OptionRun>(await worker.post(`${W}/options/runs/${strangleKey}/enter`, { data: {} }));
  expect(entered.legs[1]?.state).toBe("rejected");
  // the unwind may still be on its way when the answer leaves (the server's timer carries it on)
  const state = async () => ok<OptionRun>(await worker.get(`${W}/options/runs/${strangleKey}/state`));
  await expect.poll(async () => (await state()).status, { timeout: 30_000 }).toBe("exited");
  expect((await state()).legs.map((l) => l.state)).toEqual(["unwound", "rejected"]);

  await runPage(page, strangleKey);
  await expect(legRow(page, call.tradingsymbol)).toContainText("Unwound", { timeout: 30_000 });
  await expect(legRow(page, put.tradingsymbol)).toContainText("Rejected");
  await expect(legRow(page, put.tradingsymbol)).toContainText("Insufficient funds");
  await expect(page.getByRole("region", { name: "Option structure" })).toContainText("this run will unwind the filled legs");
  await expectAccessible(page);
  await keepScreenshot(page, "option-run-live-unwound", info.project.name);

  // Back as the other specs expect it: Kite's funds restored, live off, Kite forgotten.
  await fake.post(`${KITE()}/_fake/funds`, { data: { cash: 1_000_000 } });
  await page.request.put("/api/auth/live-trading", { ...origin, data: { live_trading: false } });
  await forgetKite(page);
  await worker.dispose();
  await fake.dispose();
});
