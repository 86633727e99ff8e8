// Options over the API: underlyings, a chain around ATM, a structure's payoff (the API
// computes every figure), and an option run's payoff with a what-if.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Underlying = components["schemas"]["UnderlyingOut"];
export type Chain = components["schemas"]["WindowChainOut"];
export type ChainRow = Chain["rows"][number];
export type Contract = components["schemas"]["ContractOut"];
export type PayoffRequest = components["schemas"]["PayoffIn"];
export type PayoffLeg = components["schemas"]["PayoffLegIn"];
export type Payoff = components["schemas"]["PayoffOut"];
export interface WhatIf { spot: number | null; iv_shift: number; days_to_expiry: number | null }

export const optionKeys = {
  underlyings: () => ["options", "underlyings"] as const,
  chain: (u: string, expiry: string | null) => ["options", "chain", u, expiry] as const,
  payoff: (body: PayoffRequest) => ["options", "payoff", body] as const,
  runPayoff: (id: number, whatIf: WhatIf) => ["workers", "run", id, "payoff", whatIf] as const,
};

export function useUnderlyings() {
  return useQuery({ queryKey: optionKeys.underlyings(), queryFn: async () => unwrap(await api.GET("/api/options/underlyings")) });
}

export function useChain(underlying: string | null, expiry: string | null) {
  return useQuery({
    queryKey: optionKeys.chain(underlying ?? "", expiry),
    enabled: Boolean(underlying),
    refetchInterval: 15_000,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/api/options/underlyings/{underlying}/chain", {
        params: { path: { underlying: underlying ?? "" }, query: { expiry: expiry ?? undefined, window: 10 } },
      })),
  });
}

function whatIfBody(w: WhatIf) {
  return { spot: w.spot ?? undefined, iv_shift: w.iv_shift, days_to_expiry: w.days_to_expiry ?? undefined };
}

/** The payoff of `legs` under the what-if (none asked while there are no legs). */
export function usePayoff(underlying: string, legs: PayoffLeg[], whatIf: WhatIf) {
  const body: PayoffRequest = { underlying, legs, ...whatIfBody(whatIf) };
  return useQuery({
    queryKey: optionKeys.payoff(body),
    enabled: legs.length > 0 && Boolean(underlying),
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await api.POST("/api/options/payoff", { body })),
  });
}

export function useRunPayoff(runId: number, whatIf: WhatIf) {
  return useQuery({
    queryKey: optionKeys.runPayoff(runId, whatIf),
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.POST("/api/algo-workers/runs/{run_id}/option/payoff", { params: { path: { run_id: runId } }, body: whatIfBody(whatIf) })),
  });
}
