import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MtmCard, type MtmState, mtmDistance } from "./MtmCard";
import { MtmStanding } from "./RiskPage";

afterEach(cleanup);

const rule = {
  rule_id: 7, type: "mtm_exit", action: "block", scope: "all", portfolio_id: null, worker_run_id: null,
  strategy_run_id: null, book: "live:kite", measured_on: "all", value: null, limit: null, headroom: null,
  utilisation_pct: null, near_limit: false, breached: false, detail: {},
} as const;

const live: MtmState = {
  book: "live:kite", mtm: "-1000.00", peak: "0.00", stop_at: "-2000.00", target_at: "5000.00", trail_floor: null,
  to_stop: "1000.00", to_target: "6000.00", to_trail: null, paused: false, tripped_at: null, trip_reason: null, quiet_today: false,
};

function show(mtm: MtmState, scope = "Live: Kite", trail: string | null = null) {
  const client = new QueryClient();
  render(<MantineProvider><QueryClientProvider client={client}><MtmCard rule={{ ...rule, mtm }} mtm={mtm} scope={scope} trail={trail} /></QueryClientProvider></MantineProvider>);
  return screen.getByLabelText(`MTM exit: ${scope}`);
}

describe("an MTM exit's card", () => {
  it("shows a live book's day MTM and its distance to each threshold, as a paper rule's", () => {
    const card = show(live);
    expect(within(card).getByText("MTM exit · Live: Kite")).toBeTruthy();
    expect(within(card).getByText("Day MTM (as on Positions)")).toBeTruthy();
    expect(within(card).getByText("-₹1,000.00")).toBeTruthy();
    expect(within(card).getByText("₹1,000.00 to go")).toBeTruthy();
    expect(within(card).getByText("₹6,000.00 to go")).toBeTruthy();
    expect(within(card).getByText("Watching")).toBeTruthy();
    expect(within(card).queryByRole("button", { name: /Resume entries/ })).toBeNull();
  });
  it("shows a live run's rule by the run's name, on its own trades at the broker", () => {
    const run = { ...live, book: "live:kite/run:5", mtm: "-450.50", to_stop: "1549.50" };
    const card = show(run, "Breakout live");
    expect(within(card).getByText("MTM exit · Breakout live")).toBeTruthy();
    expect(within(card).getByText("Day MTM (its own trades at Kite)")).toBeTruthy();
    expect(within(card).getByText("-₹450.50")).toBeTruthy();
    expect(within(card).getByText("₹1,549.50 to go")).toBeTruthy();
  });
  it("offers the resume once the book was exited", () => {
    const card = show({ ...live, book: "manual", paused: true, trip_reason: "day MTM −₹2,100.00 reached the loss exit at −₹2,000.00" }, "Manual book");
    expect(within(card).getByText("Exited · entries paused")).toBeTruthy();
    expect(within(card).getByText("Day MTM (as on Positions and Funds)")).toBeTruthy();
    expect(within(card).getByRole("button", { name: "Resume entries: Manual book" })).toBeTruthy();
  });
  it("says a trail is set before the target arms it, and the floor once it has", () => {
    const waiting = show(live, "Account", "200.00");
    expect(within(waiting).getByText("then trails ₹200.00 under the day's peak")).toBeTruthy();
    cleanup();
    const armed = show({ ...live, mtm: "5600.00", peak: "5600.00", trail_floor: "5400.00", to_trail: "200.00" }, "Account", "200.00");
    expect(within(armed).queryByText(/then trails/)).toBeNull();
    expect(within(armed).getByText("₹200.00 above it")).toBeTruthy();
  });
  it("names its nearest threshold for the rules table", () => {
    expect(mtmDistance(live)).toEqual({ amount: "₹1,000.00", what: "to the loss exit" });
    expect(mtmDistance({ ...live, to_stop: "7000.00" })).toEqual({ amount: "₹6,000.00", what: "to the target" });
    expect(mtmDistance({ ...live, mtm: "5600.00", trail_floor: "5400.00", to_trail: "200.00", to_stop: "7600.00" }))
      .toEqual({ amount: "₹200.00", what: "above the trailing floor" });
    expect(mtmDistance({ ...live, paused: true })).toBeNull();
  });
});

// The rule form's reading of a rule not yet saved (issue 64: a breached rule fired on save).
const base = {
  book: "manual", mtm: "-600.00", peak: "0.00", stop_at: "-500.00", target_at: null, trail_floor: null,
  to_stop: "0.00", to_target: null, to_trail: null, paused: false, tripped_at: null, trip_reason: null,
  quiet_today: false, would_trip: true, trip_words: "day MTM −₹600.00 reached the loss of ₹500.00",
};

describe("MtmStanding", () => {
  it("shows the MTM now against the threshold, and warns that saving exits at once", () => {
    render(<MantineProvider><MtmStanding preview={base} /></MantineProvider>);
    const box = screen.getByLabelText("Where this rule stands now");
    expect(box.textContent).toContain("Day MTM now");
    expect(box.textContent).toContain("600.00");
    expect(box.textContent).toContain("exits at");
    expect(screen.getByRole("alert").textContent).toContain("day MTM −₹600.00 reached the loss of ₹500.00");
    expect(screen.getByRole("alert").textContent).toContain("sells every open position of its book at market");
  });

  it("says nothing alarming while the rule is inside its thresholds", () => {
    render(<MantineProvider><MtmStanding preview={{ ...base, mtm: "-100.00", would_trip: false, trip_words: null }} /></MantineProvider>);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByLabelText("Where this rule stands now").textContent).toContain("100.00");
  });
});
