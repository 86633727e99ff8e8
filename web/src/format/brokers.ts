// Brokers by name, as the server's rows of facts state them (`domain/brokers.py`, written to
// src/api/broker-facts.json with docs/openapi.json by scripts/export_openapi.py; a test holds
// the file to the route's answer). The web app and the agent's UI name a broker from here
// instead of keeping a copy: a fourth broker is a row on the server, not an edit per screen.
import facts from "../api/broker-facts.json" with { type: "json" };

/** One broker's row, as `GET /api/brokers/facts` answers it. */
export type BrokerRow = (typeof facts)[number];

/** Every broker a user can connect, in the server's order. */
export const BROKER_ROWS: readonly BrokerRow[] = facts;

const LABELS = new Map<string, string>([...facts.map((r) => [r.name, r.label] as const), ["paper", "Paper"]]);
const HOUSES = new Map<string, string>(
  facts.flatMap((r) => [[r.name, r.house], [r.charges, r.house]] as const),
);

/** What people call a broker: "kite" → "Kite"; the paper exchange "Paper"; else as given. */
export function brokerLabel(name: string): string {
  return LABELS.get(name) ?? name;
}

/** The firm whose statements and charges a broker's are, by the broker's name or the
 * firm's own ("kite" or "zerodha" → "Zerodha"); else as given. */
export function houseLabel(name: string): string {
  return HOUSES.get(name) ?? name;
}
