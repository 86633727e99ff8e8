// Walk-forwards over the API as query hooks: the list, one run with its folds, start,
// cancel, resume, delete. An options walk-forward (`kind`) lives under
// /api/backtests/options/walk-forwards and answers as an equity one does.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type WalkForward = components["schemas"]["WalkForwardOut"];
export type WalkForwardBrief = components["schemas"]["WalkForwardBrief"];
export type WalkForwardRequest = components["schemas"]["WalkForwardRequest"];
export type OptionWalkForwardRequest = components["schemas"]["OptionWalkForwardRequest"];
export type WalkForwardProgress = components["schemas"]["WalkForwardProgress"];
export type Fold = components["schemas"]["FoldOut"];
export type WalkForwardSummary = components["schemas"]["WalkForwardSummary"];
export type WalkForwardKind = "equity" | "options";

export const walkForwardKeys = {
  all: ["walk-forwards"] as const,
  list: (kind: WalkForwardKind = "equity") => ["walk-forwards", "list", kind] as const,
  one: (id: number, kind: WalkForwardKind = "equity") => ["walk-forwards", "one", kind, id] as const,
};

/** The page of a run of `kind`. */
export const walkForwardPage = (id: number, kind: WalkForwardKind) =>
  kind === "options" ? `/backtests/options/walk-forwards/${id}` : `/backtests/walk-forwards/${id}`;

export const walkForwardEventsUrl = (id: number, kind: WalkForwardKind = "equity") =>
  kind === "options" ? `/api/backtests/options/walk-forwards/${id}/events` : `/api/backtest/walk-forwards/${id}/events`;

export function useWalkForwards(kind: WalkForwardKind = "equity") {
  const query = { params: { query: { limit: 100 } } };
  return useQuery({
    queryKey: walkForwardKeys.list(kind),
    queryFn: async () =>
      unwrap(kind === "options"
        ? await api.GET("/api/backtests/options/walk-forwards", query)
        : await api.GET("/api/backtest/walk-forwards", query)),
  });
}

export function useWalkForward(id: number, kind: WalkForwardKind = "equity") {
  const path = { params: { path: { run_id: id } } };
  return useQuery({
    queryKey: walkForwardKeys.one(id, kind),
    enabled: Number.isInteger(id) && id > 0,
    queryFn: async () =>
      unwrap(kind === "options"
        ? await api.GET("/api/backtests/options/walk-forwards/{run_id}", path)
        : await api.GET("/api/backtest/walk-forwards/{run_id}", path)),
  });
}

export function useStartWalkForward() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: WalkForwardRequest) => unwrap(await api.POST("/api/backtest/walk-forwards", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.list() }),
  });
}

export function useStartOptionWalkForward() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: OptionWalkForwardRequest) =>
      unwrap(await api.POST("/api/backtests/options/walk-forwards", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.list("options") }),
  });
}

export function useCancelWalkForward(kind: WalkForwardKind = "equity") {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      const path = { params: { path: { run_id: id } } };
      return unwrap(kind === "options"
        ? await api.POST("/api/backtests/options/walk-forwards/{run_id}/cancel", path)
        : await api.POST("/api/backtest/walk-forwards/{run_id}/cancel", path));
    },
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.all }),
  });
}

export function useResumeWalkForward(kind: WalkForwardKind = "equity") {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      const path = { params: { path: { run_id: id } } };
      return unwrap(kind === "options"
        ? await api.POST("/api/backtests/options/walk-forwards/{run_id}/resume", path)
        : await api.POST("/api/backtest/walk-forwards/{run_id}/resume", path));
    },
    onSettled: () => client.invalidateQueries({ queryKey: walkForwardKeys.all }),
  });
}
