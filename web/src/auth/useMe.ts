import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { ApiError } from "@/api/errors";

export const meKey = ["auth", "me"] as const;

/** The signed-in user, or null when signed out (a 401 is an answer here, not an error). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async () => {
      const result = await api.GET("/api/auth/me");
      if (result.response.status === 401) return null;
      if (!result.response.ok) throw new ApiError(result.response.status, result.error);
      return result.data ?? null;
    },
    staleTime: 60_000,
  });
}
