import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MARKS_REFRESH_MS, isMarked, refreshAccount, useMarksBeat } from "./refresh";

/** The top bar's risk state and a page's margins, each counting its reads. */
function desk(client: QueryClient) {
  const reads = { risk: 0, margins: 0, strategies: 0 };
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  renderHook(
    () => {
      useMarksBeat();
      useQuery({ queryKey: ["risk", "state"], queryFn: () => ++reads.risk });
      useQuery({ queryKey: ["portfolio", "margins", ""], queryFn: () => ++reads.margins });
      useQuery({ queryKey: ["strategies"], queryFn: () => ++reads.strategies });
    },
    { wrapper },
  );
  return reads;
}

describe("the marked figures' one beat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("knows which reads are marked to the last tick", () => {
    expect(isMarked(["portfolio", "positions", ""])).toBe(true);
    expect(isMarked(["risk", "state", "paper"])).toBe(true);
    expect(isMarked(["portfolio", "order-history", "1"])).toBe(false);
    expect(isMarked(["risk", "rules"])).toBe(false);
  });

  it("re-reads the top bar's P&L and the page's margins together, and nothing else", async () => {
    const reads = desk(new QueryClient());
    await act(() => vi.advanceTimersByTimeAsync(10));
    expect(reads).toEqual({ risk: 1, margins: 1, strategies: 1 });
    await act(() => vi.advanceTimersByTimeAsync(3 * MARKS_REFRESH_MS));
    expect(reads).toEqual({ risk: 4, margins: 4, strategies: 1 });
  });

  it("is quiet while the tab is hidden", async () => {
    const reads = desk(new QueryClient());
    await act(() => vi.advanceTimersByTimeAsync(10));
    const hidden = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    await act(() => vi.advanceTimersByTimeAsync(2 * MARKS_REFRESH_MS));
    expect(reads.risk).toBe(1);
    hidden.mockRestore();
  });

  it("after a write, re-reads the account and the risk state", async () => {
    const client = new QueryClient();
    const reads = desk(client);
    await act(() => vi.advanceTimersByTimeAsync(10));
    await act(() => refreshAccount(client));
    expect(reads).toEqual({ risk: 2, margins: 2, strategies: 1 });
  });
});
