import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";

describe("toCsv", () => {
  it("quotes what needs quoting and leaves numbers raw", () => {
    expect(toCsv(["symbol", "note", "pnl"], [["NSE:INFY", 'a "b", c', "1013418.76"], ["X", null, 2]]))
      .toBe('symbol,note,pnl\r\nNSE:INFY,"a ""b"", c",1013418.76\r\nX,,2\r\n');
  });
});
