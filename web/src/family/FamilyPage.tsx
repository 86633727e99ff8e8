// Family groups (spec §10.6): your groups, their members and roles, invitations by e-mail
// (to you and from you), leaving and removing; and the consolidated view of the switcher's
// choice. What each role may do is the API's to decide: the page offers what can work.
import { Badge, Button, Card, Group, Loader, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useMe } from "@/auth/useMe";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { istDate, istDateTime } from "@/format";
import { problem } from "@/journal/journalWords";
import { Notice } from "@/orders/Notice";
import {
  type Group as FamilyGroup, type Invite, type Member, type MyInvite, accept, createGroup, decline, deleteGroup, invite,
  leave, refreshFamily, removeMember, renameGroup, revokeInvite, setRole, useGroups, useMyInvites,
} from "./familyApi";
import { FamilyRollup } from "./FamilyRollup";
import { SwitcherControls, useFamilyScope } from "./FamilySwitcher";
import { inviteStatus, mayChangeRole, mayInvite, mayRemove, memberName, roleName, roleRights } from "./familyWords";
import { setScope } from "./scope";

/** Runs a change, then refreshes every family figure; the error, if any, in words. */
function useChange() {
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (change: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await change();
      await refreshFamily(client);
      return true;
    } catch (e) {
      setError(problem(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function InvitesToMe({ invites }: { invites: MyInvite[] }) {
  const change = useChange();
  if (invites.length === 0) return null;
  return (
    <Card withBorder component="section" aria-label="Invitations to you">
      <Title order={2} size="h5" mb="xs">Invitations to you</Title>
      <Stack gap="xs">
        {invites.map((i) => (
          <Group key={i.id} justify="space-between" wrap="wrap" gap="xs">
            <div>
              <Text fw={600}>{i.group_name}</Text>
              <Text size="xs" c="dimmed">As {roleName(i.role).toLowerCase()} · answer by {istDateTime(i.expires_at)}</Text>
            </div>
            <Group gap="xs">
              <Button size="xs" loading={change.busy} onClick={() => void change.run(() => accept(i.group_id))}
                aria-label={`Join ${i.group_name}`}>Join</Button>
              <Button size="xs" variant="default" disabled={change.busy} onClick={() => void change.run(() => decline(i.group_id))}
                aria-label={`Decline ${i.group_name}`}>Decline</Button>
            </Group>
          </Group>
        ))}
      </Stack>
      {change.error && <Text size="sm" c="red.8" role="alert" mt="xs">{change.error}</Text>}
    </Card>
  );
}

function InviteForm({ group }: { group: FamilyGroup }) {
  const change = useChange();
  const [email, setEmail] = useState("");
  const [role, setRoleChoice] = useState<"member" | "admin">("member");
  const [sent, setSent] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    if (await change.run(() => invite(group.id, address, role))) {
      setSent(address);
      setEmail("");
    }
  };
  const roles = group.role === "owner" ? ["member", "admin"] : ["member"];
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={`Invite someone to ${group.name}`}>
      <Group align="flex-end" gap="xs" wrap="wrap">
        <TextInput label="Invite by e-mail" type="email" required placeholder="meera@example.com" value={email}
          onChange={(e) => setEmail(e.currentTarget.value)} w={260} error={change.error ?? undefined} />
        <Select label="As" w={130} value={role} allowDeselect={false} onChange={(v) => setRoleChoice(v === "admin" ? "admin" : "member")}
          data={roles.map((r) => ({ value: r, label: roleName(r) }))} />
        <Button type="submit" loading={change.busy}>Send invitation</Button>
      </Group>
      {sent && (
        <Text size="sm" role="status" mt={4}>
          Invitation mailed to {sent}. The link works for 7 days; they sign in with that address to answer.
        </Text>
      )}
    </form>
  );
}

function memberColumns(group: FamilyGroup, me: number | undefined, run: (c: () => Promise<unknown>) => Promise<boolean>): Column<Member>[] {
  return [
    {
      key: "name", header: "Member", card: "title", value: (m) => memberName(m),
      render: (m) => (
        <span>
          {memberName(m)}
          {m.user_id === me && <Text span size="xs" c="dimmed"> (you)</Text>}
          {m.name && <Text span size="xs" c="dimmed" display="block">{m.email}</Text>}
        </span>
      ),
    },
    {
      key: "role", header: "Role", value: (m) => m.role,
      render: (m) => mayChangeRole(group.role, m.role) ? (
        <Select size="xs" w={120} aria-label={`Role of ${memberName(m)}`} value={m.role} allowDeselect={false}
          data={[{ value: "member", label: "Member" }, { value: "admin", label: "Admin" }]}
          onChange={(v) => { if (v && v !== m.role) void run(() => setRole(group.id, m.user_id, v === "admin" ? "admin" : "member")); }} />
      ) : roleName(m.role),
    },
    { key: "joined", header: "Joined", render: (m) => istDate(m.joined_at), value: (m) => m.joined_at },
  ];
}

function GroupCard({ group }: { group: FamilyGroup }) {
  const me = useMe();
  const change = useChange();
  const [name, setName] = useState<string | null>(null);
  const myId = me.data?.id;
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    if (name !== null && (await change.run(() => renameGroup(group.id, name)))) setName(null);
  };
  const removeButton = (m: Member) => mayRemove(group.role, m.role, m.user_id === myId) ? (
    <ConfirmButton size="xs" variant="default" label={`Remove ${memberName(m)}`} title={`Remove ${memberName(m)}?`} confirm="Remove" danger
      body={<Text size="sm">{memberName(m)} leaves {group.name}: they stop seeing the family's figures, and you theirs.</Text>}
      onConfirm={() => change.run(() => removeMember(group.id, m.user_id))}>Remove</ConfirmButton>
  ) : null;
  const inviteColumns: Column<Invite>[] = [
    { key: "email", header: "E-mail", card: "title", render: (i) => i.email },
    { key: "role", header: "As", render: (i) => roleName(i.role) },
    { key: "status", header: "Status", render: (i) => inviteStatus(i.status) },
    { key: "expires", header: "Link works until", render: (i) => istDateTime(i.expires_at) },
  ];
  return (
    <Card withBorder component="section" aria-label={group.name}>
      <Group justify="space-between" wrap="wrap" mb="xs" gap="xs">
        {name === null ? (
          <Group gap="xs">
            <Title order={2} size="h5">{group.name}</Title>
            <Badge variant="outline" color="gray" title={roleRights(group.role)}>You are {roleName(group.role).toLowerCase()}</Badge>
          </Group>
        ) : (
          <form onSubmit={(e) => void rename(e)} aria-label={`Rename ${group.name}`}>
            <Group gap="xs" align="flex-end">
              <TextInput label="Group name" value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={80} />
              <Button type="submit" size="sm" loading={change.busy}>Save</Button>
              <Button size="sm" variant="default" onClick={() => setName(null)}>Cancel</Button>
            </Group>
          </form>
        )}
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => setScope({ kind: "all", groupId: group.id })}
            aria-label={`See together: ${group.name}`}>See together</Button>
          {mayInvite(group.role) && name === null && (
            <Button size="xs" variant="default" onClick={() => setName(group.name)} aria-label={`Rename ${group.name}`}>Rename</Button>
          )}
          {group.role === "owner" ? (
            <ConfirmButton size="xs" variant="default" color="red" label={`Delete ${group.name}`} title={`Delete ${group.name}?`}
              confirm="Delete group" danger onConfirm={() => change.run(() => deleteGroup(group.id))}
              body={<Text size="sm">Its {group.members.length} members and open invitations go with it. Nobody's holdings, trades or settings change.</Text>}>
              Delete
            </ConfirmButton>
          ) : (
            <ConfirmButton size="xs" variant="default" label={`Leave ${group.name}`} title={`Leave ${group.name}?`} confirm="Leave"
              onConfirm={() => change.run(() => leave(group.id))}
              body={<Text size="sm">You stop seeing the family's figures, and they stop seeing yours. To come back, ask for a new invitation.</Text>}>
              Leave
            </ConfirmButton>
          )}
        </Group>
      </Group>
      <DataTable caption={`Members of ${group.name}`} columns={memberColumns(group, myId, change.run)} rows={group.members}
        rowKey={(m) => m.user_id} rowActions={removeButton} phoneCards />
      {group.invites.length > 0 && (
        <Stack gap={4} mt="md">
          <Title order={3} size="h6">Open invitations</Title>
          <DataTable caption={`Open invitations of ${group.name}`} columns={inviteColumns} rows={group.invites} rowKey={(i) => i.id} phoneCards
            rowActions={(i) => (
              <Button size="xs" variant="default" aria-label={`Withdraw the invitation to ${i.email}`}
                onClick={() => void change.run(() => revokeInvite(group.id, i.id))}>Withdraw</Button>
            )} />
        </Stack>
      )}
      {mayInvite(group.role) && <Stack mt="md"><InviteForm group={group} /></Stack>}
      {change.error && <Text size="sm" c="red.8" role="alert" mt="xs">{change.error}</Text>}
    </Card>
  );
}

function CreateGroup({ first }: { first: boolean }) {
  const change = useChange();
  const [name, setName] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await change.run(() => createGroup(name.trim()))) setName("");
  };
  return (
    <Card withBorder component="section" aria-label="New family group">
      <Title order={2} size="h5" mb={4}>{first ? "Start a family group" : "Another group"}</Title>
      <Text size="sm" mb="xs">
        Members see each other's holdings, net worth and day P&L, and nothing else: each keeps their own broker
        login, strategies and risk rules, and nobody can trade for another.
      </Text>
      <form onSubmit={(e) => void submit(e)} aria-label="Create a family group">
        <Group align="flex-end" gap="xs" wrap="wrap">
          <TextInput label="Group name" placeholder="Sharma family" required maxLength={80} value={name}
            onChange={(e) => setName(e.currentTarget.value)} w={260} error={change.error ?? undefined} />
          <Button type="submit" loading={change.busy}>Create group</Button>
        </Group>
      </form>
    </Card>
  );
}

function Together({ groups }: { groups: FamilyGroup[] }) {
  const scope = useFamilyScope();
  if (groups.length === 0) return null;
  return (
    <Card withBorder component="section" aria-label="Family view">
      <Title order={2} size="h5" mb="xs">Family view</Title>
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
        <div><SwitcherControls /></div>
        <div style={{ gridColumn: "span 2" }}>
          {scope.kind === "me" ? (
            <Text size="sm" c="dimmed">Choose a group (everyone, or some members) to see its combined net worth and holdings. The Wealth and Journal pages follow the same choice.</Text>
          ) : null}
        </div>
      </SimpleGrid>
      {scope.kind !== "me" && <Stack mt="md"><FamilyRollup scope={scope} /></Stack>}
    </Card>
  );
}

export function Component() {
  const groups = useGroups();
  const invites = useMyInvites();
  const phone = useMediaQuery("(max-width: 48em)");
  return (
    <>
      <PageTitle>Family</PageTitle>
      {groups.isPending ? <Loader aria-label="Loading your family groups" /> : groups.error ? (
        <Notice role="alert" color="red">{problem(groups.error)}</Notice>
      ) : (
        <Stack gap="md">
          <InvitesToMe invites={invites.data ?? []} />
          <Together groups={groups.data} />
          {groups.data.map((g) => <GroupCard key={g.id} group={g} />)}
          <CreateGroup first={groups.data.length === 0} />
          <Text size="xs" c="dimmed" style={{ whiteSpace: phone ? "normal" : undefined }}>
            Roles: the owner {roleRights("owner").toLowerCase()}; an admin {roleRights("admin").toLowerCase()}; a member{" "}
            {roleRights("member").toLowerCase()}.
          </Text>
        </Stack>
      )}
    </>
  );
}
