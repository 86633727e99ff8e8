// The model-portfolio API as query hooks: the dashboard and the portfolios page share them so
// an action on one page refreshes the other's figures.
import { type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Portfolio = components["schemas"]["PortfolioOut"];
export type Dashboard = components["schemas"]["DashboardOut"];
export type Position = components["schemas"]["PositionOut"];
export type Signal = components["schemas"]["SignalOut"];

export const modelKeys = {
  all: ["model"] as const,
  portfolios: (status?: string) => ["model", "portfolios", status ?? "open"] as const,
  dashboard: (id: number) => ["model", "dashboard", id] as const,
  signals: (id: number) => ["model", "signals", id] as const,
  positions: (id: number) => ["model", "positions", id] as const,
};

/** Your active and paused portfolios (or `status=retired`). */
export function usePortfolios(status?: string) {
  return useQuery({
    queryKey: modelKeys.portfolios(status),
    queryFn: async () =>
      unwrap(await api.GET("/api/model/portfolios", { params: { query: { status, limit: 100 } } })),
  });
}

/** One portfolio's dashboard (capital, positions, cart, sectors, equity, activity, drift). */
export function useDashboard(id: number | null) {
  return useQuery({
    queryKey: modelKeys.dashboard(id ?? 0),
    enabled: id !== null,
    queryFn: async () =>
      unwrap(await api.GET("/api/model/dashboard", { params: { query: { portfolio_id: id ?? 0 } } })),
    refetchInterval: 30_000,
  });
}

export function useSignals(id: number) {
  return useQuery({
    queryKey: modelKeys.signals(id),
    queryFn: async () =>
      unwrap(await api.GET("/api/model/signals", { params: { query: { portfolio_id: id, limit: 200 } } })),
  });
}

export function usePositions(id: number) {
  return useQuery({
    queryKey: modelKeys.positions(id),
    queryFn: async () =>
      unwrap(await api.GET("/api/model/positions", { params: { query: { portfolio_id: id, limit: 200 } } })),
  });
}

/** After any model action: every portfolio figure may have moved. */
export function refreshModel(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: modelKeys.all });
}

/** A mutation that refreshes the model figures when it settles. */
export function useModelAction<A, R>(fn: (arg: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => refreshModel(client) });
}

export const signalAction = (action: "approve" | "reject" | "unapprove") => async (id: number) =>
  unwrap(
    await api.POST(`/api/model/signals/{signal_id}/${action}`, { params: { path: { signal_id: id } } }),
  );

export const placeCart = async (portfolioId: number) =>
  unwrap(await api.POST("/api/model/cart/place", { body: { portfolio_id: portfolioId } }));

export const portfolioAction =
  (action: "pause" | "resume" | "retire" | "reset") => async (id: number) =>
    unwrap(
      await api.POST(`/api/model/portfolios/{portfolio_id}/${action}`, {
        params: { path: { portfolio_id: id } },
      }),
    );

export const closePosition = async (id: number) =>
  unwrap(await api.POST("/api/model/positions/{position_id}/close", { params: { path: { position_id: id } } }));

export const scanNow = async (portfolioId: number) =>
  unwrap(await api.POST("/api/model/scan", { body: { portfolio_id: portfolioId } }));
