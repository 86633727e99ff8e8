import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MtmStanding } from "./RiskPage";

beforeAll(() => {
  window.matchMedia ??= ((query: string) => ({
    matches: false, media: query, onchange: null,
    addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {}, dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
});
afterEach(cleanup);

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
