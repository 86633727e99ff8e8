import { Alert, Group, Loader, ScrollArea, Select, Table, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { istDateTime } from "@/format";
import { diffDocuments, type DiffKind } from "./diff";
import { type Strategy, useVersions } from "./strategyApi";

const SHADE: Record<DiffKind, string | undefined> = {
  same: undefined,
  changed: "var(--mantine-color-yellow-light)",
  removed: "var(--mantine-color-gray-light)",
  added: "var(--mantine-color-blue-light)",
};
const SAID: Record<DiffKind, string> = { same: "", changed: "changed", removed: "removed", added: "added" };

/** Two saved versions of a strategy side by side, the lines that differ shaded and named. */
export function VersionDiff({ strategy }: { strategy: Strategy }) {
  const versions = useVersions(strategy.id);
  const list = versions.data ?? [];
  const newest = list[list.length - 1]?.version ?? strategy.version;
  const [left, setLeft] = useState<string | null>(null);
  const [right, setRight] = useState<string | null>(null);
  const l = left ?? String(Math.max(1, newest - 1));
  const r = right ?? String(newest);
  const a = list.find((v) => String(v.version) === l);
  const b = list.find((v) => String(v.version) === r);
  const diff = useMemo(() => (a && b ? diffDocuments(a.document, b.document) : null), [a, b]);

  if (versions.isPending) return <Loader size="sm" aria-label="Loading versions" />;
  if (versions.isError) return <Alert color="red" role="alert">{versions.error.message}</Alert>;
  const options = list.map((v) => ({ value: String(v.version), label: `v${v.version} · ${istDateTime(v.created_at)}` }));
  return (
    <div>
      <Group mb="sm" align="end">
        <Select label="Older" data={options} value={l} onChange={setLeft} allowDeselect={false} w={260} />
        <Select label="Newer" data={options} value={r} onChange={setRight} allowDeselect={false} w={260} />
        {diff && <Text size="sm" role="status">{diff.changes === 0 ? "No differences." : `${diff.changes} line(s) differ.`}</Text>}
      </Group>
      {list.length < 2 && <Text size="sm" c="dimmed">Only one version is saved: edit and save to make another.</Text>}
      {diff && (
        <ScrollArea h={420} type="auto">
          <Table fz="xs" ff="monospace" verticalSpacing={0} aria-label={`v${l} against v${r}`} layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>#</Table.Th>
                <Table.Th>v{l}</Table.Th>
                <Table.Th w={40}>#</Table.Th>
                <Table.Th>v{r}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {diff.rows.map((row, i) => (
                <Table.Tr key={i} data-kind={row.kind} style={{ background: SHADE[row.kind] }}
                  aria-label={row.kind === "same" ? undefined : `${SAID[row.kind]} line`}>
                  <Table.Td c="dimmed">{row.leftNo ?? ""}</Table.Td>
                  <Table.Td style={{ whiteSpace: "pre", overflow: "hidden" }}>{row.left ?? ""}</Table.Td>
                  <Table.Td c="dimmed">{row.rightNo ?? ""}</Table.Td>
                  <Table.Td style={{ whiteSpace: "pre", overflow: "hidden" }}>{row.right ?? ""}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </div>
  );
}
