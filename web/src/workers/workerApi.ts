// Algo workers over the API: tokens, the run desk (cards, one run, its P&L, book and
// timeline, live over SSE into this cache), and the owner's protection, risk and exit.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { inFlight } from "@/options/legState";
import { mergeEvents } from "./timeline";

export type Token = components["schemas"]["WorkerTokenOut"];
export type TokenCreate = components["schemas"]["WorkerTokenCreate"];
export type RunCard = components["schemas"]["RunCardOut"];
export type Run = components["schemas"]["DeskRunOut"];
export type Pnl = components["schemas"]["RunPnlOut"];
export type Book = components["schemas"]["RunBookOut"];
export type Timeline = components["schemas"]["TimelineOut"];
export type TimelineEvent = components["schemas"]["TimelineEvent"];
export type ExitAnswer = components["schemas"]["ExitOut"];
export type BackendProtection = components["schemas"]["BackendProtection"];
export type OptionRun = components["schemas"]["OptionRunOut"];

/** The SDK's default account scope (KITE_ALGO_ACCOUNT_SCOPE unset: tradertape_worker's
 * _config.py): a token made in the app takes it unless told otherwise, so the SDK's quick start
 * runs as written (a token may use only its own scope, or paper ones when it is live). */
export const SDK_ACCOUNT_SCOPE = "kite:paper-a";

export const workerKeys = {
  tokens: () => ["worker-tokens"] as const, // shared with Settings' token list
  runs: () => ["workers", "runs"] as const,
  run: (id: number) => ["workers", "run", id] as const,
  pnl: (id: number) => ["workers", "run", id, "pnl"] as const,
  book: (id: number) => ["workers", "run", id, "book"] as const,
  timeline: (id: number) => ["workers", "run", id, "timeline"] as const,
  option: (id: number) => ["workers", "run", id, "option"] as const,
};

const path = (id: number) => ({ params: { path: { run_id: id } } });

export function useTokens() {
  return useQuery({ queryKey: workerKeys.tokens(), queryFn: async () => unwrap(await api.GET("/api/algo-workers/tokens")) });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: TokenCreate) => unwrap(await api.POST("/api/algo-workers/tokens", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: workerKeys.tokens() }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/algo-workers/tokens/{token_id}/revoke", { params: { path: { token_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: workerKeys.tokens() }),
  });
}

/** The run cards; refreshed every few seconds so heartbeat ages and P&L stay current. */
export function useRunCards() {
  return useQuery({
    queryKey: workerKeys.runs(),
    refetchInterval: 5_000,
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs", { params: { query: { limit: 200 } } })),
  });
}

export function useRun(id: number) {
  return useQuery({
    queryKey: workerKeys.run(id),
    enabled: id > 0,
    refetchInterval: 10_000, // health and heartbeat age
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs/{run_id}", path(id))),
  });
}

export function usePnl(id: number) {
  return useQuery({
    queryKey: workerKeys.pnl(id),
    enabled: id > 0,
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs/{run_id}/pnl", path(id))),
  });
}

export function useBook(id: number) {
  return useQuery({
    queryKey: workerKeys.book(id),
    enabled: id > 0,
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs/{run_id}/book", path(id))),
  });
}

/** Every event of the run (the page filters by kind); the stream appends new ones. */
export function useTimeline(id: number) {
  return useQuery({
    queryKey: workerKeys.timeline(id),
    enabled: id > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/algo-workers/runs/{run_id}/timeline", { params: { path: { run_id: id }, query: { limit: 1000 } } })),
  });
}

/** Keeps the run's P&L and timeline live: the P&L stream replaces the P&L (and refreshes
 * the book, whose fills moved it); the timeline stream appends after the last cursor. */
export function useLiveRun(id: number, lastCursor: number | undefined) {
  const client = useQueryClient();
  useEffect(() => {
    if (!(id > 0)) return;
    const pnl = new EventSource(`/api/algo-workers/runs/${id}/pnl/stream`);
    pnl.addEventListener("snapshot", (e) => {
      client.setQueryData(workerKeys.pnl(id), JSON.parse((e as MessageEvent<string>).data) as Pnl);
      void client.invalidateQueries({ queryKey: workerKeys.book(id) });
    });
    return () => pnl.close();
  }, [id, client]);
  const ready = lastCursor !== undefined;
  useEffect(() => {
    if (!(id > 0) || !ready) return;
    const after = lastCursor ?? 0;
    const events = new EventSource(`/api/algo-workers/runs/${id}/timeline/stream?after_cursor=${after}`);
    events.onmessage = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as TimelineEvent;
      client.setQueryData<Timeline>(workerKeys.timeline(id), (old) =>
        old ? { ...old, events: mergeEvents(old.events, [event]), last_cursor: Math.max(old.last_cursor ?? 0, event.cursor) } : old);
    };
    return () => events.close();
    // The stream starts once, after the first page: later cursors come through it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, ready, client]);
}

function useRunChange<B>(id: number, send: (body: B) => Promise<Run>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: (run) => client.setQueryData(workerKeys.run(id), run),
    onSettled: () => client.invalidateQueries({ queryKey: workerKeys.timeline(id) }),
  });
}

export function useUpdateProtection(id: number) {
  return useRunChange(id, async (body: { backend_protection: BackendProtection; reason?: string }) =>
    unwrap(await api.PATCH("/api/algo-workers/runs/{run_id}/protection", { ...path(id), body })));
}

export function usePatchRisk(id: number) {
  return useRunChange(id, async (body: { patch: Record<string, unknown>; reason?: string }) =>
    unwrap(await api.PATCH("/api/algo-workers/runs/{run_id}/risk", { ...path(id), body })));
}

/** The exit plan (dry run): nothing is sent. */
export function useExitPreview(id: number) {
  return useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/algo-workers/runs/{run_id}/exit", { ...path(id), body: { dry_run: true } })),
  });
}

export function useExit(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (reason: string) =>
      unwrap(await api.POST("/api/algo-workers/runs/{run_id}/exit", { ...path(id), body: { reason, dry_run: false } })),
    onSuccess: (answer) => client.setQueryData(workerKeys.run(id), (old: Run | undefined) => (old ? { ...old, ...answer.run } : old)),
    onSettled: () => client.invalidateQueries({ queryKey: ["workers"] }),
  });
}

export function useOptionRun(id: number, enabled: boolean) {
  return useQuery({
    queryKey: workerKeys.option(id),
    enabled: enabled && id > 0,
    // Legs on their way to the broker: ask again sooner, until every leg has settled.
    refetchInterval: (query) => (inFlight((query.state.data?.legs ?? []).map((l) => l.state)) ? 2_000 : 10_000),
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs/{run_id}/option", path(id))),
  });
}

export type Replay = components["schemas"]["WorkerReplayOut"];
export type ReplayStarted = components["schemas"]["ReplayStartedOut"];
export type ReplayStart = components["schemas"]["ReplayStartIn"];

export const replayKeys = {
  list: () => ["workers", "replays"] as const,
  one: (id: number) => ["workers", "replay", id] as const,
};

/** Your replays, newest first (their reports on each one's page). */
export function useReplays() {
  return useQuery({
    queryKey: replayKeys.list(),
    refetchInterval: 10_000,
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/replays")),
  });
}

/** One replay; read every few seconds while it plays (its clock moves, its report comes). */
export function useReplay(id: number) {
  return useQuery({
    queryKey: replayKeys.one(id),
    enabled: id > 0,
    refetchInterval: (query) => (query.state.data?.status === "finished" ? false : 3_000),
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/replays/{replay_id}", { params: { path: { replay_id: id } } })),
  });
}

export function useStartReplay() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: ReplayStart) => unwrap(await api.POST("/api/algo-workers/replays", { body })),
    onSettled: () => client.invalidateQueries({ queryKey: replayKeys.list() }),
  });
}
