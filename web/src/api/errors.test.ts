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
    expect(e.message).toBe("quantity: must be at least 1; price: required for LIMIT");
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
