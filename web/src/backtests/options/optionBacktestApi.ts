// The options backtest over the API: run a strategy document (answers with its results at
// once) and the imported F&O bhavcopies' coverage.
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import type { OptionRunRequest } from "./optionDoc";

export type OptionRun = components["schemas"]["OptionBacktestOut"];
export type OptionLegTrade = components["schemas"]["OptionLegTradeOut"];
export type OptionBucket = components["schemas"]["OptionBucketOut"];
export type OptionDay = components["schemas"]["OptionDayOut"];
export type FoCoverage = components["schemas"]["FoCoverageOut"];

export function useRunOptionBacktest() {
  return useMutation({
    mutationFn: async (body: OptionRunRequest) => unwrap(await api.POST("/api/backtests/options", { body })),
  });
}

export function useFoCoverage() {
  return useQuery({
    queryKey: ["market", "fo", "coverage"],
    queryFn: async () => unwrap(await api.GET("/api/market/fo/coverage")),
  });
}
