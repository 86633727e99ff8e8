import { describe, expect, it } from "vitest";
import { type BrokerFacts, PAPER_SLICE_CAP, agentBrokers, brokerTitle, sliceCap } from "./brokerFacts";

function row(name: BrokerFacts["name"], label: string, house: string, cap: number, agent = true): BrokerFacts {
  return {
    name, label, house, slice_cap: cap, agent,
    segments: ["NSE"], order_types: ["LIMIT"], varieties: ["regular"], products: ["CNC"],
    session_ends: "06:00 IST", slicing: "broker", orders_per_second: 10, symbols: name,
    charges: "zerodha", login: "redirect", updates: "poll",
  };
}

const ROWS = [row("kite", "Kite", "Zerodha", 10), row("upstox", "Upstox", "Upstox", 25), row("groww", "Groww", "Groww", 10, false)];

describe("broker facts", () => {
  it("names a broker by its house where that differs", () => {
    expect(ROWS.map(brokerTitle)).toEqual(["Zerodha Kite", "Upstox", "Groww"]);
  });

  it("reads a venue's slice cap from its row, paper's from the pipeline", () => {
    expect(sliceCap(ROWS, "upstox")).toBe(25);
    expect(sliceCap(ROWS, "paper")).toBe(PAPER_SLICE_CAP);
    expect(sliceCap(undefined, "upstox")).toBe(PAPER_SLICE_CAP);
  });

  it("lists the brokers the agent trades at", () => {
    expect(agentBrokers(ROWS)).toEqual(["kite", "upstox"]);
    expect(agentBrokers(undefined)).toEqual([]);
  });
});
