import { describe, expect, it } from "vitest";
import { initialFolds } from "@/walkforward/walkForward";
import { applyPreset, initialOptions, toRequest } from "./optionDoc";
import { walkForwardRequest } from "./optionSweep";

describe("an options walk-forward's request", () => {
  it("is the sweep's request with the folds' fields as numbers and the objective", () => {
    const run = toRequest(applyPreset(initialOptions, "short_straddle"));
    const folds = { ...initialFolds, in_sample_days: "20", out_of_sample_days: " 10 ", anchored: true, embargo_days: "x" };
    const body = walkForwardRequest(run, [{ parameter: "stop_loss", legs: "", values: "20, 60", unit: "" }], folds, "sortino");
    expect(body).toEqual({
      ...run,
      parameters: [{ parameter: "stop_loss", values: [20, 60] }],
      in_sample_days: 20, out_of_sample_days: 10, anchored: true, purge_days: 0,
      embargo_days: "x", // not a number: sent as typed, for the server to name
      objective: "sortino",
    });
    expect(body).not.toHaveProperty("search"); // options runs search the whole grid
  });
});
