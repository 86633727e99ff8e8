import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ONLY_ME, parseScope, scopeLabel, scopeQuery, setScope, stillValid, useScope } from "./scope";

const GROUPS = [
  { id: 3, name: "Sharma family", members: [{ user_id: 1 }, { user_id: 7 }, { user_id: 9 }] },
  { id: 5, name: "Iyer family", members: [{ user_id: 1 }] },
];

describe("the family switcher's choice", () => {
  it("reads what it stored, and only me from anything else", () => {
    expect(parseScope(JSON.stringify({ kind: "all", groupId: 3 }))).toEqual({ kind: "all", groupId: 3 });
    expect(parseScope(JSON.stringify({ kind: "selected", groupId: 3, members: [9, "7", 9, -1, "x"] })))
      .toEqual({ kind: "selected", groupId: 3, members: [7, 9] });
    expect(parseScope(JSON.stringify({ kind: "selected", groupId: 3, members: [] }))).toEqual({ kind: "all", groupId: 3 });
    for (const bad of [null, "", "{", "[]", JSON.stringify({ kind: "all", groupId: "x" }), JSON.stringify({ kind: "everyone" })]) {
      expect(parseScope(bad)).toEqual(ONLY_ME);
    }
  });

  it("asks the API for the group and the members chosen", () => {
    expect(scopeQuery(ONLY_ME)).toEqual({});
    expect(scopeQuery({ kind: "all", groupId: 3 })).toEqual({ group_id: 3 });
    expect(scopeQuery({ kind: "selected", groupId: 3, members: [7, 9] })).toEqual({ group_id: 3, member: [7, 9] });
  });

  it("falls back when a group was left or members went", () => {
    expect(stillValid({ kind: "all", groupId: 4 }, GROUPS)).toEqual(ONLY_ME);
    expect(stillValid({ kind: "selected", groupId: 3, members: [7, 8] }, GROUPS)).toEqual({ kind: "selected", groupId: 3, members: [7] });
    expect(stillValid({ kind: "selected", groupId: 3, members: [8] }, GROUPS)).toEqual({ kind: "all", groupId: 3 });
    expect(stillValid({ kind: "all", groupId: 4 }, undefined)).toEqual({ kind: "all", groupId: 4 }); // still loading
  });

  it("says the choice in words", () => {
    expect(scopeLabel(ONLY_ME, GROUPS)).toBe("Only me");
    expect(scopeLabel({ kind: "all", groupId: 3 }, GROUPS)).toBe("Sharma family: everyone");
    expect(scopeLabel({ kind: "selected", groupId: 3, members: [7] }, GROUPS)).toBe("Sharma family: 1 member");
    expect(scopeLabel({ kind: "selected", groupId: 5, members: [1, 7] }, GROUPS)).toBe("Iyer family: 2 members");
  });

  it("is kept in the browser and every reader follows a change", () => {
    const { result } = renderHook(() => useScope());
    act(() => setScope({ kind: "all", groupId: 3 }));
    expect(result.current).toEqual({ kind: "all", groupId: 3 });
    expect(parseScope(localStorage.getItem("tradertape-family-scope"))).toEqual({ kind: "all", groupId: 3 });
    act(() => setScope(ONLY_ME));
    expect(result.current).toEqual(ONLY_ME);
  });
});
