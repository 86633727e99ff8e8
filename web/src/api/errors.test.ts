import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";

describe("ApiError", () => {
  it("maps a 422's items to their fields", () => {
    const e = new ApiError(422, {
      detail: [
        { loc: ["body", "quantity"], field: "body.quantity", msg: "must be at least 1", type: "x" },
        { loc: ["body", "price"], msg: "required for LIMIT", type: "y" },
      ],
    });
    expect(e.fields).toEqual({ quantity: "must be at least 1", price: "required for LIMIT" });
    expect(e.message).toBe("Quantity: must be at least 1; Price: required for LIMIT");
  });
  it("shows the server's words for people when it sends them, never a JSON path", () => {
    const e = new ApiError(422, {
      detail: [{ loc: ["body", "entry_rules", "conditions"], field: "entry_rules.conditions", msg: "List should have at least 1 item after validation, not 0",
        type: "too_short", message: "Entry rules: add at least one condition" }],
    });
    expect(e.message).toBe("Entry rules: add at least one condition");
    expect(e.fields).toEqual({ "entry_rules.conditions": "Must have at least 1 item after validation, not 0" });
  });
  it("says pydantic's messages in our words, and keeps the API's own", () => {
    const e = new ApiError(422, {
      detail: [
        { loc: ["body", "strategy_id"], field: "strategy_id", msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" },
        { loc: ["body", "capital"], field: "capital", msg: "Input should be greater than 0", type: "greater_than" },
        { loc: ["body", "limit"], field: "limit", msg: "Input should be less than or equal to 1000000", type: "less_than_equal" },
        { loc: ["body", "name"], field: "name", msg: "Field required", type: "missing" },
        { loc: ["body", "price"], field: "price", msg: "Decimal input should have no more than 2 decimal places", type: "decimal_max_places" },
        { loc: ["body", "when"], field: "when", msg: "Value error, the day is a holiday", type: "value_error" },
        { loc: ["body", "qty"], field: "qty", msg: "must be a multiple of the lot size 75", type: "value_error" },
      ],
    });
    expect(e.fields).toEqual({
      strategy_id: "Enter a whole number",
      capital: "Must be greater than 0",
      limit: "Must be less than or equal to 10,00,000",
      name: "Required",
      price: "Use at most 2 decimal places",
      when: "the day is a holiday",
      qty: "must be a multiple of the lot size 75",
    });
    expect(e.message).not.toMatch(/Input should|Field required|Value error/);
  });
  it("keeps a refusal's reason and message", () => {
    const e = new ApiError(409, {
      detail: { rejection_reason: "RISK_CHECK_FAILED", message: "kill switch is on" },
    });
    expect(e.reason).toBe("RISK_CHECK_FAILED");
    expect(e.message).toBe("kill switch is on");
  });
  it("reads a plain detail", () => {
    expect(new ApiError(404, { detail: "order not found" }).message).toBe("order not found");
    expect(new ApiError(500, null).message).toBe("Request failed (500)");
  });
});
