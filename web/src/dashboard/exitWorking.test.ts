import { describe, expect, it } from "vitest";
import { exitWorkingWords, waitingWords } from "./exitWorking";

describe("a row whose exit is working", () => {
  it("says how much is sold of what the sale asks, and whose sale it is", () => {
    expect(exitWorkingWords({ sold: 250, quantity: 434, hands: ["mtm_exit"] })).toBe(
      "Exit working: 250 of 434 sold (the MTM exit rule)",
    );
    expect(exitWorkingWords({ sold: 0, quantity: 1500, hands: ["manual", "portfolio"] })).toBe(
      "Exit working: 0 of 1,500 sold (an exit by hand, the portfolio's exit)",
    );
  });
  it("the totals name the rows that wait, or say nothing", () => {
    expect(waitingWords([])).toBeNull();
    expect(waitingWords(["NSE:INFY"])).toBe(
      "Deployed and unrealised still count INFY at its full quantity: its exit is working, and the sale is booked when it ends.",
    );
    expect(waitingWords(["NSE:INFY", "NSE:TCS", "NSE:TITAN"])).toContain("INFY, TCS and TITAN at their full quantity: their exits are");
  });
});
