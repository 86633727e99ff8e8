// Family groups as query hooks and calls: groups, invitations (to and from you), roles, and
// the consolidated view the switcher scopes. A change to a group refreshes every family
// figure, and the journal and wealth views a membership change can scope.
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Scope, scopeQuery } from "./scope";

export type Group = components["schemas"]["GroupOut"];
export type Member = components["schemas"]["MemberOut"];
export type Invite = components["schemas"]["InviteOut"];
export type MyInvite = components["schemas"]["MyInviteOut"];
export type Consolidated = components["schemas"]["ConsolidatedOut"];
export type MemberWealth = components["schemas"]["MemberWealthOut"];
export type FamilyHolding = components["schemas"]["FamilyHoldingOut"];
export type GroupChoice = components["schemas"]["GroupChoiceOut"];
export type Role = Member["role"];

export const familyKeys = {
  all: ["family"] as const,
  groups: ["family", "groups"] as const,
  invites: ["family", "invites"] as const,
  consolidated: (scope: Scope) => ["family", "consolidated", scopeQuery(scope)] as const,
};

/** After any change to a group: its members, invitations and rollups may all have moved, and
 * so may a journal or wealth view the switcher scopes to it. */
export async function refreshFamily(client: QueryClient): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: familyKeys.all }),
    client.invalidateQueries({ queryKey: ["journal"] }),
    client.invalidateQueries({ queryKey: ["wealth"] }),
  ]);
}

/** Your groups, each with its members (and, for its owner and admins, open invitations). */
export function useGroups() {
  return useQuery({
    queryKey: familyKeys.groups,
    queryFn: async () => unwrap(await api.GET("/api/family/groups")),
  });
}

/** Open invitations to your e-mail address. */
export function useMyInvites() {
  return useQuery({
    queryKey: familyKeys.invites,
    queryFn: async () => unwrap(await api.GET("/api/family/invites")),
  });
}

/** The rollup of the switcher's choice (a group's chosen members, or all); without a group
 * named, your only group's, or a choice of your groups (`scope: "choose_group"`). */
export function useConsolidated(scope: Scope, enabled = true) {
  return useQuery({
    queryKey: familyKeys.consolidated(scope),
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/family/consolidated", { params: { query: scopeQuery(scope) } })),
  });
}

const group = (id: number) => ({ params: { path: { group_id: id } } });
const member = (groupId: number, userId: number) => ({ params: { path: { group_id: groupId, user_id: userId } } });

export const createGroup = async (name: string) => unwrap(await api.POST("/api/family/groups", { body: { name } }));
export const renameGroup = async (id: number, name: string) =>
  unwrap(await api.PUT("/api/family/groups/{group_id}", { ...group(id), body: { name } }));
export const deleteGroup = async (id: number) => unwrap(await api.DELETE("/api/family/groups/{group_id}", group(id)));
export const invite = async (id: number, email: string, role: "admin" | "member") =>
  unwrap(await api.POST("/api/family/groups/{group_id}/invite", { ...group(id), body: { email, role } }));
export const revokeInvite = async (groupId: number, inviteId: number) =>
  unwrap(await api.DELETE("/api/family/groups/{group_id}/invites/{invite_id}", {
    params: { path: { group_id: groupId, invite_id: inviteId } },
  }));
export const accept = async (id: number, token?: string) =>
  unwrap(await api.POST("/api/family/groups/{group_id}/accept", { ...group(id), body: token ? { token } : {} }));
export const decline = async (id: number, token?: string) =>
  unwrap(await api.POST("/api/family/groups/{group_id}/decline", { ...group(id), body: token ? { token } : {} }));
export const leave = async (id: number) => unwrap(await api.POST("/api/family/groups/{group_id}/leave", group(id)));
export const removeMember = async (groupId: number, userId: number) =>
  unwrap(await api.DELETE("/api/family/groups/{group_id}/members/{user_id}", member(groupId, userId)));
export const setRole = async (groupId: number, userId: number, role: "admin" | "member") =>
  unwrap(await api.PUT("/api/family/groups/{group_id}/members/{user_id}", { ...member(groupId, userId), body: { role } }));
