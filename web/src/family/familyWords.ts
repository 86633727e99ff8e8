// Family groups in words: roles and what each may do (the API decides; the page only offers
// the buttons that can work), a member's name, the invitation link's fragment.
import type { Role } from "./familyApi";

const ROLES: Record<string, { name: string; rights: string }> = {
  owner: { name: "Owner", rights: "Invites and removes anyone, changes roles, deletes the group" },
  admin: { name: "Admin", rights: "Invites members, removes anyone but the owner" },
  member: { name: "Member", rights: "Sees the family's figures; can leave" },
};

export function roleName(role: string): string {
  return ROLES[role]?.name ?? role;
}

export function roleRights(role: string): string {
  return ROLES[role]?.rights ?? "";
}

/** The owner and admins invite; only the owner invites an admin. */
export function mayInvite(mine: Role): boolean {
  return mine === "owner" || mine === "admin";
}

/** The owner removes anyone else, an admin anyone but the owner; nobody removes themself
 * (they leave). */
export function mayRemove(mine: Role, theirs: Role, self: boolean): boolean {
  if (self || theirs === "owner") return false;
  return mine === "owner" || mine === "admin";
}

/** Only the owner changes roles, and never the owner's own. */
export function mayChangeRole(mine: Role, theirs: Role): boolean {
  return mine === "owner" && theirs !== "owner";
}

/** A member as the page names them: their name, else their e-mail. */
export function memberName(m: { name?: string | null; email: string }): string {
  return m.name?.trim() || m.email;
}

/** The invitation link's fragment (`#group=3&token=…`): the token never reaches a server's
 * logs, and this page posts it. Null when the link is not one. */
export function inviteFromHash(hash: string): { groupId: number; token: string } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const groupId = Number(params.get("group"));
  const token = params.get("token") ?? "";
  if (!Number.isInteger(groupId) || groupId <= 0 || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) return null;
  return { groupId, token };
}

const STATUS: Record<string, string> = {
  pending: "Waiting for an answer",
  accepted: "Accepted",
  declined: "Declined",
  revoked: "Withdrawn",
};

export function inviteStatus(status: string): string {
  return STATUS[status] ?? status;
}
