import { describe, expect, it } from "vitest";
import { safeNext } from "./safeNext";

describe("safeNext", () => {
  it("keeps paths on this site", () => {
    expect(safeNext("/orders?tab=open")).toBe("/orders?tab=open");
  });
  it("refuses other sites and loops", () => {
    expect(safeNext("https://evil.example/")).toBe("/dashboard");
    expect(safeNext("//evil.example")).toBe("/dashboard");
    expect(safeNext("/\\evil.example")).toBe("/dashboard");
    expect(safeNext("/signin?next=/x")).toBe("/dashboard");
    expect(safeNext(null)).toBe("/dashboard");
  });
});
