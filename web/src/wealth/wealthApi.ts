// Wealth as query hooks: everything you hold (brokers, the agent, uploads, CAS), valued, and
// the AMFI NAV import. An upload or a NAV import moves these figures, so both refresh them.
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";

export type Wealth = components["schemas"]["WealthOut"];
export type Holding = components["schemas"]["HoldingOut"];
export type MergedHolding = components["schemas"]["MergedHoldingOut"];
export type Fund = components["schemas"]["FundOut"];
export type CashLine = components["schemas"]["CashOut"];
export type Allocation = components["schemas"]["AllocationOut"];
export type NavImport = components["schemas"]["NavImportOut"];

export const wealthKeys = {
  all: ["wealth"] as const,
  mine: ["wealth", "mine"] as const,
};

export function refreshWealth(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: wealthKeys.all });
}

/** Your net worth, holdings across sources, mutual funds with XIRR, cash. */
export function useWealth(enabled = true) {
  return useQuery({
    queryKey: wealthKeys.mine,
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/wealth")),
  });
}

type NavBody = components["schemas"]["Body_wealth-import_navs"];

/** AMFI's NAVAll.txt, imported: your CAS funds are then valued at it. */
export async function importNavs(file: File): Promise<NavImport> {
  const form = new FormData();
  form.append("file", file, file.name);
  // a multipart body: the generated type calls the file a string (format binary)
  return unwrap(await api.POST("/api/wealth/navs", { body: form as unknown as NavBody }));
}
