import { describe, expect, it } from "vitest";
import { fieldKey, formErrors, fromDocument, toDocument } from "./protectionForm";
import { eventWords, mergeEvents, shown } from "./timeline";
import type { TimelineEvent } from "./workerApi";

const event = (cursor: number, kind = "execution", type = "order.updated"): TimelineEvent => ({
  cursor, event_kind: kind, event_type: type, account_id: "paper", basket_execution_id: null, created_at: null,
  event_source: "worker", payload: {}, related_resource_id: null, related_resource_type: null, strategy_run_id: "r", summary: `#${cursor}`,
});

describe("timeline", () => {
  it("merges the first page and the stream by cursor, once each, oldest first", () => {
    const merged = mergeEvents([event(1), event(2)], [event(2), event(4), event(3)]);
    expect(merged.map((e) => e.cursor)).toEqual([1, 2, 3, 4]);
  });
  it("shows one kind, newest first", () => {
    const events = [event(1), event(2, "decision"), event(3), event(4, "decision")];
    expect(shown(events, "decision").map((e) => e.cursor)).toEqual([4, 2]);
    expect(shown(events, "all").map((e) => e.cursor)).toEqual([4, 3, 2, 1]);
  });
  it("reads event types as words", () => {
    expect(eventWords("order.updated")).toBe("Order updated");
    expect(eventWords("decision.note")).toBe("Note");
    expect(eventWords("protection.state_changed")).toBe("Protection state changed");
  });
});

describe("protection form", () => {
  it("round-trips a stored document", () => {
    const doc = {
      enabled: true, mode: "exposure" as const,
      positions: [{ symbol: "NSE:INFY", product: "CNC" as const, side: "BUY" as const, quantity: 1, entry_price: 1500, stoploss_pct: 2 }],
      basket: { stoploss_pct: 4 }, operations: { exit_on_worker_stale: true, worker_stale_sec: 300 },
    };
    expect(toDocument(fromDocument(doc))).toEqual(doc);
  });
  it("leaves empty sections out and sends what it cannot read as typed, for the API to judge", () => {
    const draft = fromDocument(null);
    expect(toDocument(draft)).toEqual({ enabled: false, mode: "exposure", positions: [], basket: null, operations: null });
    draft.basket.stoploss_pct = "two";
    expect(toDocument(draft).basket).toEqual({ stoploss_pct: "two" });
  });
  it("puts the API's field errors on the form's fields", () => {
    expect(fieldKey("backend_protection.positions[0].side")).toBe("positions.0.side");
    expect(formErrors({ "backend_protection.basket.stoploss_pct": "too big" })).toEqual({ "basket.stoploss_pct": "too big" });
  });
});

describe("heartbeat age", () => {
  it("says it in words", async () => {
    const { ageWords } = await import("./timeline");
    expect([ageWords(null), ageWords(8), ageWords(185), ageWords(7300)]).toEqual(["never", "8 s ago", "3 min ago", "2 h ago"]);
  });
});
