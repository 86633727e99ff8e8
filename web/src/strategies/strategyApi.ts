// The strategy library's API as query hooks: the library page, the editor and the backtest
// form share these keys, so a save, fork or delete refreshes every list that shows it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Strategy = components["schemas"]["StrategyOut"];
export type StrategyVersion = components["schemas"]["StrategyVersionOut"];
export type StrategySchema = components["schemas"]["StrategySchemaOut"];

export const strategyKeys = {
  all: ["strategies"] as const,
  list: () => ["strategies", "list"] as const,
  one: (id: number) => ["strategies", "one", id] as const,
  versions: (id: number) => ["strategies", "versions", id] as const,
  schema: () => ["strategies", "schema"] as const,
};

/** Every strategy you can see: yours, the templates and public ones (the server's order). */
export function useStrategies() {
  return useQuery({
    queryKey: strategyKeys.list(),
    queryFn: async () => unwrap(await api.GET("/api/strategies", { params: { query: { limit: 500 } } })),
  });
}

export function useStrategy(id: number | null) {
  return useQuery({
    queryKey: strategyKeys.one(id ?? 0),
    enabled: id !== null,
    queryFn: async () =>
      unwrap(await api.GET("/api/strategies/{strategy_id}", { params: { path: { strategy_id: id ?? 0 } } })),
  });
}

export function useVersions(id: number | null) {
  return useQuery({
    queryKey: strategyKeys.versions(id ?? 0),
    enabled: id !== null,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/strategies/{strategy_id}/versions", { params: { path: { strategy_id: id ?? 0 } } }),
      ),
  });
}

/** The DSL's JSON Schema with the indicator names, category labels and scorer presets. */
export function useStrategySchema() {
  return useQuery({
    queryKey: strategyKeys.schema(),
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET("/api/strategies/schema")),
  });
}

export const forkStrategy = async ({ id, name }: { id: number; name?: string }) =>
  unwrap(
    await api.POST("/api/strategies/{strategy_id}/fork", {
      params: { path: { strategy_id: id } },
      body: name ? { name } : {},
    }),
  );

export const shareStrategy = async ({ id, isPublic }: { id: number; isPublic: boolean }) =>
  unwrap(
    await api.POST("/api/strategies/{strategy_id}/share", {
      params: { path: { strategy_id: id } },
      body: { is_public: isPublic },
    }),
  );

export const deleteStrategy = async (id: number) =>
  unwrap(await api.DELETE("/api/strategies/{strategy_id}", { params: { path: { strategy_id: id } } }));

/** A new strategy's first draft: every part at its default, no name and no condition yet. */
export function useBlankStrategy(enabled: boolean) {
  return useQuery({
    queryKey: ["strategies", "blank"],
    enabled,
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET("/api/strategies/blank")).document,
  });
}

/** Saves a new strategy (version 1). */
export const createStrategy = async (document: Record<string, unknown>) =>
  unwrap(await api.POST("/api/strategies", { body: document as unknown as components["schemas"]["StrategyCreate"] }));

/** Saves a whole document over a strategy (PUT: a full replacement; the version goes up). */
export const replaceStrategy = async ({ id, document }: { id: number; document: Record<string, unknown> }) =>
  unwrap(
    await api.PUT("/api/strategies/{strategy_id}", {
      params: { path: { strategy_id: id } },
      body: document as unknown as components["schemas"]["StrategyReplace"],
    }),
  );

/** A mutation that refreshes the library when it settles. */
export function useLibraryAction<A, R>(fn: (arg: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => client.invalidateQueries({ queryKey: strategyKeys.all }) });
}

/** The portfolios a 409 STRATEGY_IN_USE names (yours), and how many of other users. */
export interface InUse {
  portfolios: { id: number; name: string; status: string }[];
  others: number;
}

export function inUseOf(body: unknown): InUse | null {
  const detail = (body as { detail?: unknown } | null)?.detail as
    | { rejection_reason?: string; portfolios?: InUse["portfolios"]; other_portfolios?: number }
    | undefined;
  if (!detail || typeof detail !== "object" || detail.rejection_reason !== "STRATEGY_IN_USE") return null;
  return { portfolios: detail.portfolios ?? [], others: detail.other_portfolios ?? 0 };
}
