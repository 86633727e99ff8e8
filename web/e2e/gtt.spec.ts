import { expect, test } from "@playwright/test";
import { openSignedIn } from "./session";
import { demoApi, expectAccessible, keepScreenshot } from "./support";

type Row = Record<string, unknown>;

// Each test walks several pages against a live server on a shared machine.
test.describe.configure({ timeout: 60_000 });
const rupees = (n: number) =>
  `₹${new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)}`;

test("creates an OCO GTT, modifies it and deletes it", async ({ page, baseURL }, info) => {
  const api = await demoApi(baseURL as string);
  const preview = await api.post("/api/orders/preview", {
    data: { exchange: "NSE", tradingsymbol: "INFY", transaction_type: "SELL", quantity: 1, product: "CNC", order_type: "MARKET" },
  });
  const last = Math.round((await preview.json()).price as number);
  const stop = Math.round(last * 0.9);
  const target = Math.round(last * 1.1);

  await openSignedIn(page, api, "/gtt");
  await expectAccessible(page);
  await page.getByRole("button", { name: "New GTT" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("OCO").click();
  await dialog.getByText("Sell", { exact: true }).click();
  await dialog.getByLabel("Symbol").fill("INFY");
  // the symbol's LTP fills the field as its tick comes: typed over before it lands, the
  // two texts ran together ("1398.21398")
  await expect(dialog.getByLabel("Last price")).not.toHaveValue("");
  await dialog.getByLabel("Last price").fill(String(last));
  await dialog.getByLabel("Quantity").fill("5");
  await dialog.getByLabel("Stop-loss trigger").fill(String(stop));
  await dialog.getByLabel("Stop-loss limit price").fill(String(stop - 1));
  await dialog.getByLabel("Target trigger").fill(String(target));
  await dialog.getByLabel("Target limit price").fill(String(target + 1));
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Create GTT" }).click();
  await expect(dialog).toBeHidden();

  const created = ((await (await api.get("/api/gtt/triggers")).json()) as Row[])[0] as Row;
  expect(created.type).toBe("two-leg");
  expect((created.condition as Row).trigger_values).toEqual([stop, target]);
  const id = Number(created.id);
  const row = page.getByRole("row", { name: /INFY NSE/ }).filter({ hasText: "OCO" }).first();
  await expect(row).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "gtt", info.project.name);

  await page.getByRole("button", { name: `Modify OCO GTT ${id} on INFY` }).click();
  const modify = page.getByRole("dialog");
  await expect(modify.getByLabel("Target trigger")).toHaveValue(String(target));
  await modify.getByLabel("Target trigger").fill(String(target + 10));
  await modify.getByLabel("Target limit price").fill(String(target + 11));
  await modify.getByRole("button", { name: "Modify GTT" }).click();
  await expect(modify).toBeHidden();
  const modified = (await (await api.get(`/api/gtt/triggers/${id}`)).json()) as Row;
  expect((modified.condition as Row).trigger_values).toEqual([stop, target + 10]);

  await page.getByRole("button", { name: `Delete OCO GTT ${id} on INFY` }).click();
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText(rupees(target + 10));
  await confirm.getByRole("button", { name: "Delete GTT" }).click();
  await expect.poll(async () => ((await (await api.get(`/api/gtt/triggers/${id}`)).json()) as Row).status).toBe("deleted");
  await api.dispose();
});
