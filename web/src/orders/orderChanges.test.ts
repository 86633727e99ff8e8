import { describe, expect, it } from "vitest";
import { changeWords } from "./orderChanges";

describe("changeWords", () => {
  it("reads a price, a trigger and a quantity in Indian grouping", () => {
    expect(changeWords({ field: "price", old: 101, new: 102.5 })).toBe("Price 101.00 → 102.50");
    expect(changeWords({ field: "trigger_price", old: 1600, new: 1610.3 })).toBe("Trigger 1,600.00 → 1,610.30");
    expect(changeWords({ field: "quantity", old: 1000, new: 125000 })).toBe("Qty. 1,000 → 1,25,000");
  });
  it("reads a type and a validity as their words, a stop-market price as market", () => {
    expect(changeWords({ field: "order_type", old: "SL", new: "SL-M" })).toBe("Type SL → SL-M");
    expect(changeWords({ field: "validity", old: "DAY", new: "IOC" })).toBe("Validity DAY → IOC");
    expect(changeWords({ field: "price", old: 1615, new: null })).toBe("Price 1,615.00 → market");
  });
});
