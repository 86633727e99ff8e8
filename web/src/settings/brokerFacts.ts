// Every broker a user can connect, as the server's row of facts states it
// (GET /api/brokers/facts, `domain/brokers.py`): the screens list brokers from it, and read
// their labels, slice caps and which the local agent trades at, rather than keep a copy.
import { useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type BrokerFacts = components["schemas"]["BrokerFactsOut"];
export type BrokerId = BrokerFacts["name"];

/** A paper order above the freeze quantity goes in at most this many slices (the pipeline's
 * cap, `oms/slicing.py`, as for a broker whose row says the pipeline slices). */
export const PAPER_SLICE_CAP = 10;

export const brokerFactsKey = ["broker-facts"] as const;

/** The rows, read once a session (they change with a release, not a day). */
export function useBrokerFacts() {
  return useQuery({
    queryKey: brokerFactsKey,
    queryFn: async () => unwrap(await api.GET("/api/brokers/facts")),
    staleTime: Infinity,
  });
}

/** How the settings page names a broker: "Zerodha Kite", "Upstox". */
export function brokerTitle(row: BrokerFacts): string {
  return row.house === row.label ? row.label : `${row.house} ${row.label}`;
}

/** The most slices an order at `venue` ("paper" or a broker's name) goes in. */
export function sliceCap(rows: readonly BrokerFacts[] | undefined, venue: string): number {
  return rows?.find((row) => row.name === venue)?.slice_cap ?? PAPER_SLICE_CAP;
}

/** The brokers the local agent places at (the deploy API refuses others for an agent). */
export function agentBrokers(rows: readonly BrokerFacts[] | undefined): BrokerId[] {
  return (rows ?? []).filter((row) => row.agent).map((row) => row.name);
}
