import { describe, expect, it } from "vitest";
import { distanceToTrigger } from "./GttPage";

describe("distanceToTrigger", () => {
  it("is the move from the last price to the nearest trigger, signed", () => {
    expect(distanceToTrigger([105], 100)).toBeCloseTo(5, 10);
    expect(distanceToTrigger([95, 110], 100)).toBeCloseTo(-5, 10);
  });
  it("is unknown without a price or a trigger", () => {
    expect(distanceToTrigger([], 100)).toBeNaN();
    expect(distanceToTrigger([100], Number.NaN)).toBeNaN();
  });
});
