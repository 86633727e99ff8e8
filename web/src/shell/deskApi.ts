// The desk-wide state the top bar shows: risk state (today's P&L, kill switch, loss limit),
// broker sessions and notifications. Shared query keys so the risk page can refresh them.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type RiskState = components["schemas"]["RiskStateOut"];
export type Notification = components["schemas"]["NotificationOut"];

export const riskStateKey = ["risk", "state"] as const;
export const notificationsKey = ["notifications", "latest"] as const;
export const brokerStatusKey = ["auth", "status"] as const;

export function useRiskState() {
  return useQuery({
    queryKey: riskStateKey,
    queryFn: async () => unwrap(await api.GET("/api/risk/state")),
    // re-read with the books, on the shell's marks beat (`useMarksBeat`): one moment's marks
  });
}

export function useBrokerStatus() {
  return useQuery({
    queryKey: brokerStatusKey,
    queryFn: async () => unwrap(await api.GET("/api/auth/status")),
    refetchInterval: 60_000,
  });
}

export const NOTIFICATIONS_PAGE = 20;

/** Notifications newest first, a page at a time (older pages on request), polled. */
export function useNotifications() {
  return useInfiniteQuery({
    queryKey: notificationsKey,
    initialPageParam: 0,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/notifications", { params: { query: { limit: NOTIFICATIONS_PAGE, offset: pageParam } } })),
    getNextPageParam: (last, pages) => (last.length < NOTIFICATIONS_PAGE ? undefined : pages.length * NOTIFICATIONS_PAGE),
    refetchInterval: 20_000,
  });
}

export const unreadKey = ["notifications", "unread"] as const;

/** The bell's count, from the server's read marks (the same on every device). */
export function useUnread() {
  return useQuery({
    queryKey: unreadKey,
    queryFn: async () => unwrap(await api.GET("/api/notifications/unread")),
    refetchInterval: 20_000,
  });
}

/** The daily-loss-limit rule's limit (the tightest, when there are several), or null. */
export function dailyLossLimit(state: RiskState | undefined): string | null {
  const limits = (state?.rules ?? [])
    .filter((r) => r.type === "daily_loss_limit" && r.limit !== null)
    .map((r) => r.limit as string);
  if (limits.length === 0) return null;
  return limits.reduce((a, b) => (Number(b) < Number(a) ? b : a));
}

export type MarketClock = components["schemas"]["MarketClockOut"];
export const marketClockKey = ["market", "clock"] as const;

/** Open, closed or (demo) replaying the last session: which clock the desk's times are on. */
export function useMarketClock() {
  return useQuery({
    queryKey: marketClockKey,
    queryFn: async () => unwrap(await api.GET("/api/market/clock")),
    refetchInterval: 30_000,
  });
}
