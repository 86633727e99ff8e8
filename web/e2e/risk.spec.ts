import { expect, test } from "@playwright/test";
import { demoApi, expectAccessible, keepScreenshot, signIn } from "./support";

interface Rule { id: number; type: string; threshold_amount: string | null; portfolio_id: number | null }

test("creates, edits and deletes a risk rule, with the API's field error on the field", async ({ page, baseURL }, info) => {
  const apiCtx = await demoApi(baseURL!);
  const rules = async () => (await (await apiCtx.get("/api/risk/rules")).json()) as Rule[];
  const before = (await rules()).map((r) => r.id);
  await signIn(page, "/risk");
  await expect(page.getByRole("heading", { name: "Risk" })).toBeVisible();

  await page.getByRole("button", { name: "New rule" }).click();
  const dialog = page.getByRole("dialog", { name: "New risk rule" });
  await dialog.getByRole("textbox", { name: "Limit (₹)" }).fill("lots");
  await dialog.getByRole("button", { name: "Create rule" }).click();
  await expect(dialog.getByRole("textbox", { name: "Limit (₹)" })).toHaveAttribute("aria-invalid", "true");
  await dialog.getByRole("textbox", { name: "Limit (₹)" }).fill("50000");
  await dialog.getByRole("button", { name: "Create rule" }).click();
  await expect(dialog).toBeHidden();
  const created = (await rules()).find((r) => !before.includes(r.id))!;
  expect(created).toMatchObject({ type: "daily_loss_limit", threshold_amount: "50000.00" });
  const table = page.getByRole("table", { name: "Risk rules" });
  const row = table.getByRole("row").filter({ has: page.getByRole("button", { name: `Edit Daily loss limit (₹) rule ${created.id}` }) });
  await expect(row.getByRole("cell").nth(5)).toHaveText("50,000.00");
  await expectAccessible(page);
  await keepScreenshot(page, "risk", info.project.name);

  await row.getByRole("button", { name: /^Edit/ }).click();
  const edit = page.getByRole("dialog", { name: "Edit risk rule" });
  await edit.getByRole("textbox", { name: "Limit (₹)" }).fill("40000");
  // the scope is one of the user's portfolios, picked by its name (never typed as an id)
  const [portfolio] = (await (await apiCtx.get("/api/model/portfolios")).json()) as { id: number; name: string }[];
  await edit.getByRole("textbox", { name: "Applies to" }).click();
  await page.getByRole("option", { name: portfolio!.name, exact: true }).click();
  await edit.getByRole("button", { name: "Save rule" }).click();
  await expect(edit).toBeHidden();
  await expect.poll(async () => (await rules()).find((r) => r.id === created.id)?.threshold_amount).toBe("40000.00");
  expect((await rules()).find((r) => r.id === created.id)?.portfolio_id).toBe(portfolio!.id);
  await expect(row.getByRole("cell").nth(5)).toHaveText("40,000.00");
  await expect(row.getByRole("cell").nth(2)).toHaveText(portfolio!.name);

  await row.getByRole("button", { name: /^Delete/ }).click();
  await page.getByRole("dialog", { name: "Delete this rule?" }).getByRole("button", { name: "Delete rule" }).click();
  await expect(row).toHaveCount(0);
  expect((await rules()).map((r) => r.id)).not.toContain(created.id);
});
