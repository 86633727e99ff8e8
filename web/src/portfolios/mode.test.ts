import { describe, expect, it } from "vitest";
import { modeWords } from "./mode";

describe("modeWords", () => {
  it("names who places a live portfolio's orders", () => {
    expect(modeWords({ paper_mode: true, executor: "server" })).toBe("Paper");
    expect(modeWords({ paper_mode: false, executor: "server" })).toBe("Live");
    expect(modeWords({ paper_mode: false })).toBe("Live");
    expect(modeWords({ paper_mode: false, executor: "agent" })).toBe("Live by the agent");
  });
});
