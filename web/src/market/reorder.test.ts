import { describe, expect, it } from "vitest";
import { withAdded, withMoved, withRemoved } from "./reorder";

describe("watchlist edits", () => {
  const items = ["NSE:INFY", "NSE:TCS", "NSE:SBIN"];
  it("adds once", () => {
    expect(withAdded(items, "NSE:ITC")).toEqual([...items, "NSE:ITC"]);
    expect(withAdded(items, "NSE:TCS")).toEqual(items);
  });
  it("removes", () => {
    expect(withRemoved(items, "NSE:TCS")).toEqual(["NSE:INFY", "NSE:SBIN"]);
  });
  it("moves within the ends", () => {
    expect(withMoved(items, "NSE:SBIN", -1)).toEqual(["NSE:INFY", "NSE:SBIN", "NSE:TCS"]);
    expect(withMoved(items, "NSE:INFY", -1)).toEqual(items);
    expect(withMoved(items, "NSE:INFY", 5)).toEqual(["NSE:TCS", "NSE:SBIN", "NSE:INFY"]);
  });
});
