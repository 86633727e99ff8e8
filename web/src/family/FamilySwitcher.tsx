// The family switcher (spec §10.6): only me, a group's chosen members, or all of them. In
// the top bar on a desk; on the Family, Wealth and Journal pages on a phone. Its choice
// scopes the Wealth and Journal views; it is a view, and nothing acts for another member.
import { Button, Checkbox, Popover, Select, Stack, Text } from "@mantine/core";
import { useEffect } from "react";
import { useMe } from "@/auth/useMe";
import { useGroups } from "./familyApi";
import { memberName } from "./familyWords";
import { ONLY_ME, type Scope, scopeLabel, setScope, stillValid, useScope } from "./scope";

/** The switcher's choice as it still holds against your groups (kept up to date). */
export function useFamilyScope(): Scope {
  const stored = useScope();
  const groups = useGroups();
  const valid = stillValid(stored, groups.data);
  useEffect(() => {
    if (JSON.stringify(valid) !== JSON.stringify(stored)) setScope(valid);
  }, [valid, stored]);
  return valid;
}

function encode(scope: Scope): string {
  if (scope.kind === "me") return "me";
  return `${scope.kind}:${scope.groupId}`;
}

/** The choices themselves: whose figures, and which members when choosing. */
export function SwitcherControls() {
  const scope = useFamilyScope();
  const groups = useGroups();
  const me = useMe();
  const list = groups.data ?? [];
  const options = [
    { value: "me", label: "Only me" },
    ...list.flatMap((g) => [
      { value: `all:${g.id}`, label: `${g.name}: everyone` },
      { value: `selected:${g.id}`, label: `${g.name}: choose members` },
    ]),
  ];
  const pick = (value: string | null) => {
    const [kind, id] = (value ?? "me").split(":");
    const groupId = Number(id);
    if (kind === "all") setScope({ kind: "all", groupId });
    else if (kind === "selected") setScope({ kind: "selected", groupId, members: me.data ? [me.data.id] : [] });
    else setScope(ONLY_ME);
  };
  const chosen = scope.kind === "selected" ? list.find((g) => g.id === scope.groupId) : undefined;
  return (
    <Stack gap="xs">
      <Select label="Whose figures" data={options} value={encode(scope)} onChange={pick} allowDeselect={false}
        comboboxProps={{ withinPortal: false }} />
      {chosen && scope.kind === "selected" && (
        <Checkbox.Group label={`Members of ${chosen.name}`} value={scope.members.map(String)}
          onChange={(values) => {
            const members = values.map(Number);
            setScope(members.length > 0 ? { ...scope, members } : { kind: "all", groupId: scope.groupId });
          }}>
          <Stack gap={4} mt={4}>
            {chosen.members.map((m) => (
              <Checkbox key={m.user_id} value={String(m.user_id)} label={memberName(m)} />
            ))}
          </Stack>
        </Checkbox.Group>
      )}
      <Text size="xs" c="dimmed">A view of each member's figures: nothing is shared beyond it, and nobody trades for another.</Text>
    </Stack>
  );
}

/** The top bar's button: whose figures the Wealth and Journal pages show. Hidden without a
 * family group (there is nobody else to show). */
export function FamilySwitcher() {
  const scope = useFamilyScope();
  const groups = useGroups();
  if (!groups.data || groups.data.length === 0) return null;
  const label = scopeLabel(scope, groups.data);
  return (
    <Popover position="bottom-end" withinPortal shadow="md" width={300}>
      <Popover.Target>
        <Button variant="default" size="xs" aria-label={`Whose figures: ${label}`}>
          {label}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <SwitcherControls />
      </Popover.Dropdown>
    </Popover>
  );
}
