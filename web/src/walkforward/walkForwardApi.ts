// Walk-forwards over the API as query hooks: the list, one run with its folds, start,
// cancel, resume, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type WalkForward = components["schemas"]["WalkForwardOut"];
export type WalkForwardBrief = components["schemas"]["WalkForwardBrief"];
export type WalkForwardRequest = components["schemas"]["WalkForwardRequest"];
export type WalkForwardProgress = components["schemas"]["WalkForwardProgress"];
export type Fold = components["schemas"]["FoldOut"];
export type WalkForwardSummary = components["schemas"]["WalkForwardSummary"];

export const walkForwardKeys = {
  all: ["walk-forwards"] as const,
  list: () => ["walk-forwards", "list"] as const,
  one: (id: number) => ["walk-forwards", "one", id] as const,
};

export const walkForwardEventsUrl = (id: number) => `/api/backtest/walk-forwards/${id}/events`;

export function useWalkForwards() {
  return useQuery({
    queryKey: walkForwardKeys.list(),
    queryFn: async () => unwrap(await api.GET("/api/backtest/walk-forwards", { params: { query: { limit: 100 } } })),
  });
}

export function useWalkForward(id: number) {
  return useQuery({
    queryKey: walkForwardKeys.one(id),
    enabled: Number.isInteger(id) && id > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/backtest/walk-forwards/{run_id}", { params: { path: { run_id: id } } })),
  });
}

export function useStartWalkForward() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: WalkForwardRequest) => unwrap(await api.POST("/api/backtest/walk-forwards", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.list() }),
  });
}

export function useCancelWalkForward() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/backtest/walk-forwards/{run_id}/cancel", { params: { path: { run_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.all }),
  });
}

export function useResumeWalkForward() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/backtest/walk-forwards/{run_id}/resume", { params: { path: { run_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.all }),
  });
}
