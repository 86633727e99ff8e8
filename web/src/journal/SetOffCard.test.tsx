import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { IncomeLine, TaxReturn } from "./journalApi";
import { SetOffCard } from "./ReturnFigures";

afterEach(cleanup);

const line = (over: Partial<IncomeLine>): IncomeLine => ({
  head: "ltcg", label: "", rate: null, net: "0.00", within_head: "0.00", across_heads: "0.00", brought_forward: "0.00",
  left: "0.00", exemption: "0.00", taxable: "0.00", tax: null, ...over,
});

// the year: F&O −2,05,346.44 takes the ₹1,58,852.44 of long-term gains a short-term loss left
const losses = {
  income: [
    line({ head: "business", label: "Business other than speculative (F&O)", net: "-205346.44" }),
    line({ label: "LTCG u/s 112A at 10 %", rate: "0.10", net: "62000.00", across_heads: "62000.00", tax: "0.00" }),
    line({ label: "LTCG u/s 112A at 12.5 %", rate: "0.125", net: "100148.00", within_head: "3295.56", across_heads: "96852.44", tax: "0.00" }),
  ],
  special_rate_tax: "0.00",
  slab_income: "0.00",
  figures: [
    { schedule: "Schedule CYLA", field: "Business loss of the year set off against LTCG u/s 112A at 12.5 %", amount: "96852.44" },
    { schedule: "Schedule CFL", field: "Loss from business … carried forward", amount: "46494.00" },
  ],
};

describe("the return's set-off card", () => {
  it("shows each income line's set-offs, the one tax, and only the set-off schedules' figures", () => {
    render(<MantineProvider><SetOffCard r={{ fy: "2024-25", losses } as unknown as TaxReturn} /></MantineProvider>);
    const card = screen.getByRole("region", { name: "Set-off and tax" });
    const table = within(card).getByRole("table", { name: "Income by head after set-off, FY 2024-25" });
    const high = within(table).getByRole("row", { name: /LTCG u\/s 112A at 12\.5 %/ });
    expect(high.textContent).toContain("₹96,852.44");
    expect(high.textContent).toContain("₹3,295.56");
    expect(within(table).getByRole("row", { name: /Business other than speculative/ }).textContent).toContain("At your slab");
    expect(card.textContent).toContain("Tax at special rates after set-off: ₹0.00");
    const figures = within(card).getByRole("table", { name: "Schedules CG, CYLA and SI, FY 2024-25" });
    expect(figures.textContent).toContain("Schedule CYLA");
    expect(figures.textContent).not.toContain("Schedule CFL");
  });
});
