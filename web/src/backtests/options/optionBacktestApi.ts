// The options backtest over the API: run a strategy document (answers with its results at
// once and keeps the run), the history of runs, one run, a comparison of runs, and the
// imported F&O bhavcopies' coverage.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import type { OptionRunRequest } from "./optionDoc";
import type { OptionSweepRequest } from "./optionSweep";

export type OptionRun = components["schemas"]["OptionBacktestRunOut"];
export type OptionRunBrief = components["schemas"]["OptionBacktestRunBrief"];
export type OptionComparedRun = components["schemas"]["OptionBacktestComparedRun"];
export type OptionLegTrade = components["schemas"]["OptionLegTradeOut"];
export type OptionBucket = components["schemas"]["OptionBucketOut"];
export type OptionDay = components["schemas"]["OptionDayOut"];
export type OptionPayoff = components["schemas"]["OptionPayoffOut"];
export type FoCoverage = components["schemas"]["FoCoverageOut"];

export const optionRunKeys = {
  runs: () => ["options-backtests", "runs"] as const,
  run: (id: number) => ["options-backtests", "run", id] as const,
  compare: (ids: number[]) => ["options-backtests", "compare", ...ids] as const,
};

/** Runs a strategy; the answer is the kept run (it joins the history, and opens from the cache). */
export function useRunOptionBacktest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: OptionRunRequest) => unwrap(await api.POST("/api/backtests/options", { body })),
    onSuccess: (run) => {
      client.setQueryData(optionRunKeys.run(run.id), run);
      return client.invalidateQueries({ queryKey: optionRunKeys.runs() });
    },
  });
}

export function useOptionRuns() {
  return useQuery({
    queryKey: optionRunKeys.runs(),
    queryFn: async () => unwrap(await api.GET("/api/backtests/options", { params: { query: { limit: 100 } } })),
  });
}

/** One kept run (none asked for without an id). */
export function useOptionRun(id: number | null) {
  return useQuery({
    queryKey: optionRunKeys.run(id ?? 0),
    enabled: id !== null && id > 0,
    staleTime: Infinity, // a run never changes
    queryFn: async () => unwrap(await api.GET("/api/backtests/options/{run_id}", { params: { path: { run_id: id ?? 0 } } })),
  });
}

/** Two or more runs side by side: their figures and equity curves. */
export function useCompareOptionRuns(ids: number[]) {
  return useQuery({
    queryKey: optionRunKeys.compare(ids),
    enabled: ids.length >= 2,
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET("/api/backtests/options/compare", { params: { query: { run: ids } } })),
  });
}

export function useDeleteOptionRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.DELETE("/api/backtests/options/{run_id}", { params: { path: { run_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: optionRunKeys.runs() }),
  });
}

export function useFoCoverage() {
  return useQuery({
    queryKey: ["market", "fo", "coverage"],
    queryFn: async () => unwrap(await api.GET("/api/market/fo/coverage")),
  });
}

export const optionSweepKeys = {
  sweeps: () => ["options-backtests", "sweeps"] as const,
  sweep: (id: number) => ["options-backtests", "sweep", id] as const,
};

/** Starts a sweep over a grid of leg parameters (queued: read it with `useOptionSweep`). */
export function useStartOptionSweep() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: OptionSweepRequest) => unwrap(await api.POST("/api/backtests/options/sweeps", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: optionSweepKeys.sweeps() }),
  });
}

/** Where a sweep's progress streams (`useEventStream` follows it while it runs). */
export const optionSweepEventsUrl = (id: number) => `/api/backtests/options/sweeps/${id}/events`;

/** One sweep with its heatmap (read again as its stream counts cells: `OptionSweepPanel`). */
export function useOptionSweep(id: number | null) {
  return useQuery({
    queryKey: optionSweepKeys.sweep(id ?? 0),
    enabled: id !== null && id > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/backtests/options/sweeps/{sweep_id}", { params: { path: { sweep_id: id ?? 0 } } })),
  });
}

/** Opens a cell as an options run of its own (run the first time, the same run after): it
 * joins the history, opens from the cache, and the heatmap links it. */
export function useOpenOptionCell() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ sweepId, index }: { sweepId: number; index: number }) =>
      unwrap(await api.POST("/api/backtests/options/sweeps/{sweep_id}/cells/{index}/run", { params: { path: { sweep_id: sweepId, index } } })),
    onSuccess: (run, { sweepId }) => {
      client.setQueryData(optionRunKeys.run(run.id), run);
      void client.invalidateQueries({ queryKey: optionSweepKeys.sweep(sweepId) });
      return client.invalidateQueries({ queryKey: optionRunKeys.runs() });
    },
  });
}

export function useCancelOptionSweep() {
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/backtests/options/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: id } } })),
  });
}
