// Backtests over the API as query hooks: the run form, the history, one run, the comparison.
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { strategyKeys } from "@/strategies/strategyApi";

export type Run = components["schemas"]["BacktestRunOut"];
export type RunBrief = components["schemas"]["BacktestRunBrief"];
export type RunRequest = components["schemas"]["BacktestRequest"];
export type Trade = components["schemas"]["BacktestTrade"];
export type Day = components["schemas"]["BacktestDay"];
export type RunProgress = components["schemas"]["BacktestProgress"];

export const backtestKeys = {
  all: ["backtests"] as const,
  runs: () => ["backtests", "runs"] as const,
  run: (id: number) => ["backtests", "run", id] as const,
};

export function useRuns() {
  return useQuery({
    queryKey: backtestKeys.runs(),
    queryFn: async () => unwrap(await api.GET("/api/backtest/runs", { params: { query: { limit: 200 } } })),
  });
}

/** One run with its curves and trades (no request for an id that cannot be one). */
export function useRun(id: number) {
  return useQuery({
    queryKey: backtestKeys.run(id),
    enabled: Number.isInteger(id) && id > 0,
    staleTime: Infinity, // a run never changes
    queryFn: async () => unwrap(await api.GET("/api/backtest/runs/{run_id}", { params: { path: { run_id: id } } })),
  });
}

/** Several runs at once (the comparison). */
export function useRunsById(ids: number[]) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: backtestKeys.run(id),
      staleTime: Infinity,
      queryFn: async () => unwrap(await api.GET("/api/backtest/runs/{run_id}", { params: { path: { run_id: id } } })),
    })),
  });
}

/** Starts a backtest that reports its stages (answers at once with the queued run). */
export function useStartBacktest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: RunRequest) => unwrap(await api.POST("/api/backtest/runs", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: backtestKeys.runs() }),
  });
}

/** Where a started run is: its stream's URL (`useEventStream` follows it). */
export const runEventsUrl = (id: number) => `/api/backtest/runs/${id}/events`;

/** Refresh what a finished run changes: the history and the library's "last backtest". */
export function useRunFinished() {
  const client = useQueryClient();
  return (id: number) =>
    Promise.all([
      client.invalidateQueries({ queryKey: backtestKeys.run(id) }),
      client.invalidateQueries({ queryKey: backtestKeys.runs() }),
      client.invalidateQueries({ queryKey: strategyKeys.all }),
    ]);
}

export function useDeleteRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.DELETE("/api/backtest/runs/{run_id}", { params: { path: { run_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: backtestKeys.runs() }),
  });
}

export function useUniverses() {
  return useQuery({
    queryKey: ["universes"],
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET("/api/universes")),
  });
}
