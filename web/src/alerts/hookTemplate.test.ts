import { describe, expect, it } from "vitest";
import { templateBody, templateErrors, templateForm } from "./hookTemplate";

const CHARTINK = { symbol: "{{stocks}}", exchange: "NSE", side: "BUY", amount: "10000", product: "CNC", order_type: "MARKET" };

describe("a webhook's template in the editor", () => {
  it("reads a stored template and writes it back unchanged", () => {
    const form = templateForm(CHARTINK);
    expect(form.sizeBy).toBe("amount");
    expect(form.size).toBe("10000");
    expect(templateBody(form)).toEqual(CHARTINK);
  });

  it("sends a size under the name chosen and leaves empty fields out", () => {
    const form = { ...templateForm(CHARTINK), sizeBy: "quantity" as const, size: " {{qty}} ", exchange: "" };
    expect(templateBody(form)).toEqual({ symbol: "{{stocks}}", side: "BUY", quantity: "{{qty}}", product: "CNC", order_type: "MARKET" });
  });

  it("puts the API's refusals on the fields they name", () => {
    const errors = templateErrors({ "template.quantity": "give quantity or amount, one of them", "template.product": "one of CNC, MIS, NRML or a {path}", name: "x" });
    expect(errors).toEqual({ size: "give quantity or amount, one of them", product: "one of CNC, MIS, NRML or a {path}" });
  });
});
