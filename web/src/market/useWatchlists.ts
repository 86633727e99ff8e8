// The user's watchlists through the API (saved per user); every edit is one PATCH of the
// whole item list, applied to the cache first so the row moves at once.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Watchlist = components["schemas"]["WatchlistOut"];
export type Instrument = components["schemas"]["InstrumentOut"];

const KEY = ["watchlists"] as const;

export function useWatchlists() {
  return useQuery({ queryKey: KEY, queryFn: async () => unwrap(await api.GET("/api/watchlists")) });
}

export function useSetItems() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, items }: { id: number; items: string[] }) =>
      unwrap(await api.PATCH("/api/watchlists/{watchlist_id}", { params: { path: { watchlist_id: id } }, body: { items } })),
    onMutate: ({ id, items }) => {
      const before = client.getQueryData<Watchlist[]>(KEY);
      client.setQueryData<Watchlist[]>(KEY, (lists) => lists?.map((l) => (l.id === id ? { ...l, items } : l)));
      return { before };
    },
    onError: (_e, _v, context) => client.setQueryData(KEY, context?.before),
    onSuccess: (saved) =>
      client.setQueryData<Watchlist[]>(KEY, (lists) => lists?.map((l) => (l.id === saved.id ? saved : l))),
  });
}

export function useCreateList() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/watchlists", { body: { name, items: [] } })),
    onSuccess: (created) => client.setQueryData<Watchlist[]>(KEY, (lists) => [...(lists ?? []), created]),
  });
}

export function useDeleteList() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      unwrap(await api.DELETE("/api/watchlists/{watchlist_id}", { params: { path: { watchlist_id: id } } }));
      return id;
    },
    onSuccess: (id) => client.setQueryData<Watchlist[]>(KEY, (lists) => lists?.filter((l) => l.id !== id)),
  });
}

export function useInstrumentSearch(q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: ["instrument-search", text],
    enabled: text.length > 0,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await api.GET("/api/instruments/search", { params: { query: { q: text, limit: 8 } } })),
  });
}
