import { describe, expect, it } from "vitest";
import { PAPER_ACCOUNT, accountChoices, resolveAccount } from "./account";

const brokers = [
  { broker: "kite", connected: true },
  { broker: "upstox", connected: false },
];

describe("the account switch", () => {
  it("offers paper and each broker with a live session, by name", () => {
    expect(accountChoices(brokers)).toEqual([
      { value: PAPER_ACCOUNT, label: "Paper" },
      { value: "live:kite", label: "Kite" },
    ]);
  });
  it("keeps a broker chosen while it is connected, and falls back to paper when it is not", () => {
    const choices = accountChoices(brokers);
    expect(resolveAccount("live:kite", choices).label).toBe("Kite");
    expect(resolveAccount("live:upstox", choices)).toEqual({ value: PAPER_ACCOUNT, label: "Paper" });
    expect(resolveAccount("live:kite", accountChoices([]))).toEqual({ value: PAPER_ACCOUNT, label: "Paper" });
  });
});
