import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Heatmap } from "./Heatmap";
import type { HeatGrid } from "./sweepForm";

afterEach(cleanup);

// RSI level across, min hold down; the 60/0 cell averages two variants (a third parameter)
const GRID: HeatGrid = {
  xs: [60, 70],
  ys: [0, 5],
  cells: [[5, 8], [null, 1]],
  variants: [[[0, 1], [2]], [[], [3]]],
  averaged: true,
};
const WORDS = ["RSI 60, hold 0, cap 4", "RSI 60, hold 0, cap 8", "RSI 70, hold 0, cap 4", "RSI 70, hold 5, cap 4"];

function shown(onOpen: (index: number) => void) {
  render(
    <MantineProvider>
      <Heatmap title="In-sample CAGR" grid={GRID} xLabel="RSI" yLabel="Hold" format={(v) => (v === null ? "—" : `${v} %`)}
        scale={8} higherIsBetter onOpen={onOpen} describe={(i) => WORDS[i] ?? ""} />
    </MantineProvider>,
  );
}

describe("a sweep's heatmap", () => {
  it("opens the run of a cell's one variant", () => {
    const onOpen = vi.fn();
    shown(onOpen);
    fireEvent.click(screen.getByRole("button", { name: "8 %: open the run of RSI 70, hold 0, cap 4" }));
    expect(onOpen).toHaveBeenCalledWith(2);
  });

  it("offers each variant of a cell that averages several", async () => {
    const onOpen = vi.fn();
    shown(onOpen);
    fireEvent.click(screen.getByRole("button", { name: "5 %: runs of Hold 0, RSI 60" }));
    fireEvent.click(await screen.findByRole("menuitem", { name: "RSI 60, hold 0, cap 8" }));
    expect(onOpen).toHaveBeenCalledWith(1);
  });

  it("leaves a cell without a variant as a figure", () => {
    shown(vi.fn());
    expect(screen.getAllByRole("button")).toHaveLength(3);
    expect(screen.getByRole("cell", { name: "—" })).toBeTruthy();
  });
});
