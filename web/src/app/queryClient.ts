import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "@/api/errors";

// Server state lives here. A 4xx is an answer, not a blip: retry only what may pass later.
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: true,
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});
