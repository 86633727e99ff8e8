// Parameter sweeps over the API as query hooks: the parameters a strategy offers, the list,
// one sweep with its variants, start, cancel, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Sweep = components["schemas"]["SweepOut"];
export type SweepBrief = components["schemas"]["SweepBrief"];
export type SweepRequest = components["schemas"]["SweepRequest"];
export type SweepVariant = components["schemas"]["SweepVariant"];
export type SweepMetrics = components["schemas"]["SweepMetrics"];
export type SweepChoice = components["schemas"]["SweepChoice"];
export type SweepProgress = components["schemas"]["SweepProgress"];

export const sweepKeys = {
  all: ["sweeps"] as const,
  list: () => ["sweeps", "list"] as const,
  one: (id: number) => ["sweeps", "one", id] as const,
  choices: (strategyId: number) => ["sweeps", "choices", strategyId] as const,
};

export const sweepEventsUrl = (id: number) => `/api/backtest/sweeps/${id}/events`;

export function useSweeps() {
  return useQuery({
    queryKey: sweepKeys.list(),
    queryFn: async () => unwrap(await api.GET("/api/backtest/sweeps", { params: { query: { limit: 100 } } })),
  });
}

export function useSweep(id: number) {
  return useQuery({
    queryKey: sweepKeys.one(id),
    enabled: Number.isInteger(id) && id > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/backtest/sweeps/{sweep_id}", { params: { path: { sweep_id: id } } })),
  });
}

/** What a sweep of the strategy may vary (none until a strategy is picked). */
export function useSweepChoices(strategyId: number) {
  return useQuery({
    queryKey: sweepKeys.choices(strategyId),
    enabled: strategyId > 0,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await api.GET("/api/backtest/sweeps/parameters", { params: { query: { strategy_id: strategyId } } })),
  });
}

export function useStartSweep() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: SweepRequest) => unwrap(await api.POST("/api/backtest/sweeps", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: sweepKeys.list() }),
  });
}

export function useCancelSweep() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/backtest/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: sweepKeys.all }),
  });
}

export function useDeleteSweep() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.DELETE("/api/backtest/sweeps/{sweep_id}", { params: { path: { sweep_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: sweepKeys.list() }),
  });
}

/** The backtest run of one variant: started on the first ask (queued), the same run after. */
export const openVariantRun = async ({ sweepId, index }: { sweepId: number; index: number }) =>
  unwrap(
    await api.POST("/api/backtest/sweeps/{sweep_id}/variants/{index}/run", {
      params: { path: { sweep_id: sweepId, index } },
    }),
  );
