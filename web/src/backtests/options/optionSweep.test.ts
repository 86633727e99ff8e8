import { describe, expect, it } from "vitest";
import { applyPreset, initialOptions, toRequest } from "./optionDoc";
import { axisDocument, cellName, heatmap, type OptionSweep, sweepRequest } from "./optionSweep";

describe("the sweep's grid", () => {
  it("numbers legs from 1 in the form and from 0 in the request; times stay text", () => {
    expect(axisDocument({ parameter: "stop_loss", legs: "1, 2", values: "20, 30 40", unit: "pct" })).toEqual({
      parameter: "stop_loss", values: [20, 30, 40], legs: [0, 1], unit: "pct",
    });
    expect(axisDocument({ parameter: "entry_time", legs: "1", values: "09:20, 10:00", unit: "pct" })).toEqual({
      parameter: "entry_time", values: ["09:20", "10:00"],
    });
    expect(axisDocument({ parameter: "strike", legs: "", values: "-1, 0, 1", unit: "" })).toEqual({ parameter: "strike", values: [-1, 0, 1] });
  });

  it("a sweep asks the run's own request and its grid", () => {
    const run = toRequest(applyPreset(initialOptions, "short_straddle"));
    const body = sweepRequest(run, [{ parameter: "lots", legs: "", values: "1, 2", unit: "" }]);
    expect(body).toEqual({ ...run, parameters: [{ parameter: "lots", values: [1, 2] }] });
  });
});

const cell = (index: number, row: number, col: number, net: string | null, dd = -1) => ({
  index, row, col, values: [], net, max_drawdown: dd, win_rate: 50,
});

function sweep(cells: ReturnType<typeof cell>[], two = true): OptionSweep {
  const axes = [{ name: "Stop-loss, every leg", label: "legs[*].stop_loss", parameter: "stop_loss", values: [20, 40] }];
  if (two) axes.push({ name: "Entry time", label: "entry_time", parameter: "entry_time", values: ["09:20", "10:00", "11:00"] as never });
  return { axes, cells } as unknown as OptionSweep;
}

describe("the heatmap", () => {
  it("puts each cell on its row and column, shaded from the worst to the best net", () => {
    const map = heatmap(sweep([cell(0, 0, 0, "-1100.00"), cell(1, 0, 1, "900.50"), cell(5, 1, 2, "-100.00")]), "net");
    expect(map.rows).toEqual([20, 40]);
    expect(map.cols).toEqual(["09:20", "10:00", "11:00"]);
    expect(map.rowLabel).toBe("Stop-loss, every leg"); // the server's name, never the path
    expect(map.colLabel).toBe("Entry time");
    expect(map.cells[0]?.map((c) => c.value)).toEqual([-1100, 900.5, null]); // one not finished
    expect(map.cells[0]?.[0]?.shade).toBe(0);
    expect(map.cells[0]?.[1]?.shade).toBe(1);
    expect(map.cells[1]?.[2]?.shade).toBeCloseTo(1000 / 2000.5, 10);
  });

  it("one parameter is one row; equal figures shade alike", () => {
    const map = heatmap(sweep([cell(0, 0, 0, "5.00", -2), cell(1, 0, 1, "5.00", -2)], false), "max_drawdown");
    expect(map.rows).toEqual([""]);
    expect(map.cols).toEqual([20, 40]);
    expect(map.cells).toHaveLength(1);
    expect(map.cells[0]?.map((c) => [c.value, c.shade])).toEqual([[-2, 0.5], [-2, 0.5]]);
  });

  it("names a cell by each parameter's name and value (a cell's button, a run's origin)", () => {
    expect(cellName(sweep([]), { values: [40, "10:00"] })).toBe("Stop-loss, every leg = 40; Entry time = 10:00");
    expect(cellName(sweep([], false), { values: [20] })).toBe("Stop-loss, every leg = 20");
  });
});
