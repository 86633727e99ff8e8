import { describe, expect, it } from "vitest";
import { inviteFromHash, inviteStatus, mayChangeRole, mayInvite, mayRemove, memberName, roleName } from "./familyWords";

describe("family words", () => {
  it("names roles and statuses in words", () => {
    expect(["owner", "admin", "member"].map(roleName)).toEqual(["Owner", "Admin", "Member"]);
    expect(inviteStatus("pending")).toBe("Waiting for an answer");
    expect(inviteStatus("revoked")).toBe("Withdrawn");
  });

  it("offers each role only what the API lets it do", () => {
    expect([mayInvite("owner"), mayInvite("admin"), mayInvite("member")]).toEqual([true, true, false]);
    expect(mayRemove("owner", "admin", false)).toBe(true);
    expect(mayRemove("admin", "member", false)).toBe(true);
    expect(mayRemove("admin", "owner", false)).toBe(false);
    expect(mayRemove("member", "member", false)).toBe(false);
    expect(mayRemove("owner", "member", true)).toBe(false); // yourself: leave instead
    expect(mayChangeRole("owner", "member")).toBe(true);
    expect(mayChangeRole("owner", "owner")).toBe(false);
    expect(mayChangeRole("admin", "member")).toBe(false);
  });

  it("names a member by name, else e-mail", () => {
    expect(memberName({ name: "Meera Sharma", email: "m@x.in" })).toBe("Meera Sharma");
    expect(memberName({ name: "  ", email: "m@x.in" })).toBe("m@x.in");
    expect(memberName({ name: null, email: "m@x.in" })).toBe("m@x.in");
  });

  it("reads the invitation link's fragment, and nothing else", () => {
    const token = "5P1aSLrxRAE9DU-Dsgb0M-R-GxcSh7kql5rK92a6y50";
    expect(inviteFromHash(`#group=12&token=${token}`)).toEqual({ groupId: 12, token });
    expect(inviteFromHash(`#token=${token}&group=12`)).toEqual({ groupId: 12, token });
    for (const bad of ["", "#group=12", `#group=x&token=${token}`, "#group=1&token=short", `#group=1&token=${token}<script>`]) {
      expect(inviteFromHash(bad)).toBeNull();
    }
  });
});
