// Uploads: broker tradebooks, a ledger and mutual-fund CAS PDFs into the journal. Files are
// dropped (or chosen), each sent on its own so each gets its own report; the uploads kept are
// listed with what they added, and deleting one takes its trades with it.
import { Anchor, Badge, Button, Card, Group, List, Paper, PasswordInput, Select, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useId, useRef, useState } from "react";
import { Link } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { istDateTime, qty } from "@/format";
import { Notice } from "@/orders/Notice";
import { FoBhavcopyCard } from "./FoBhavcopyCard";
import { type Upload, type UploadKind, type UploadReport, deleteUpload, refreshJournal, uploadFile, useUploads } from "./journalApi";
import { brokerName, dateRange, guessKind, kindName, problem, reportLine } from "./journalWords";

interface Queued {
  id: number;
  file: File;
  kind: UploadKind;
}

/** What became of a file sent: the API's report, or the reason it was refused. */
type Outcome = { id: number; filename: string; kind: UploadKind } & ({ report: UploadReport } | { refused: string });

const KIND_CHOICES = [
  { value: "tradebook", label: "Tradebook" },
  { value: "ledger", label: "Ledger" },
  { value: "cas", label: "Mutual fund CAS (PDF)" },
];

let nextId = 1;

function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const hint = useId();
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    onFiles([...e.dataTransfer.files]);
  };
  return (
    <Paper withBorder p="lg" radius="md" aria-label="Drop files here" role="region" aria-describedby={hint}
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={drop}
      style={{ borderStyle: "dashed", borderWidth: 2, textAlign: "center",
        background: over ? "var(--mantine-color-blue-light)" : undefined }}>
      <Stack gap="xs" align="center">
        <Text fw={600}>Drop your statements here</Text>
        <Text id={hint} size="sm" c="dimmed">
          Tradebooks (XLSX or CSV; many at once), a ledger, or a mutual fund CAS PDF. Up to 50 MB a file.
        </Text>
        <Button variant="default" onClick={() => input.current?.click()}>Choose files</Button>
        <input ref={input} type="file" multiple hidden aria-label="Files to upload"
          accept=".xlsx,.xls,.csv,.pdf"
          onChange={(e) => { onFiles([...(e.currentTarget.files ?? [])]); e.currentTarget.value = ""; }} />
      </Stack>
    </Paper>
  );
}

function ReportCard({ outcome }: { outcome: Outcome }) {
  const refused = "refused" in outcome ? outcome.refused : null;
  const report = "report" in outcome ? outcome.report : null;
  const imported = report?.status === "imported";
  const label = imported ? "Imported" : report ? "Rejected: nothing stored" : "Not read: nothing stored";
  return (
    <Paper withBorder p="sm" component="article" aria-label={`Report for ${outcome.filename}`}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text fw={600} style={{ wordBreak: "break-all" }}>{outcome.filename}</Text>
        <Badge color={imported ? "teal.9" : "red.9"} variant="filled">{label}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {kindName(outcome.kind)}
        {report ? ` · ${brokerName(report.broker)}` : ""}
        {report?.account_code ? ` · account ${report.account_code}` : ""}
        {report?.segment ? ` · ${report.segment}` : ""}
      </Text>
      {report && <Text size="sm" mt={4}>{reportLine(report)}</Text>}
      {refused && <Text size="sm" c="red.8" mt={4} role="alert">{refused}</Text>}
      {report && report.errors.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="xs">
            {report.errors.length === 1 ? "1 row could not be read" : `${qty(report.errors.length)} rows could not be read`}
            {"; fix them and upload the file again:"}
          </Text>
          <List size="sm" spacing={2} aria-label={`Errors in ${outcome.filename}`}>
            {report.errors.slice(0, 50).map((e) => (
              <List.Item key={`${e.row}:${e.reason}`}>Row {e.row}: {e.reason}</List.Item>
            ))}
          </List>
          {report.errors.length > 50 && <Text size="sm" c="dimmed">…and {qty(report.errors.length - 50)} more.</Text>}
        </>
      )}
      {report?.upload?.warnings.map((w) => <Text key={w} size="sm" c="dimmed">{w}</Text>)}
    </Paper>
  );
}

function deleteBody(u: Upload) {
  const what = u.kind === "tradebook" ? "trades" : u.kind === "ledger" ? "ledger lines" : "fund transactions and holdings";
  return (
    <Text size="sm">
      {u.filename} added {qty(u.rows_added)} {what}. They go with it, and the journal is worked out again
      without them. Rows it skipped as duplicates belong to the earlier upload and stay.
    </Text>
  );
}

function DeleteUpload({ u }: { u: Upload }) {
  const client = useQueryClient();
  return (
    <ConfirmButton size="compact-sm" variant="default" label={`Delete ${u.filename}`} style={{ flexShrink: 0 }}
      title="Delete this upload?" body={deleteBody(u)} confirm="Delete upload" danger
      onConfirm={async () => { await deleteUpload(u.id); await refreshJournal(client); }}>
      Delete
    </ConfirmButton>
  );
}

const columns: Column<Upload>[] = [
  { key: "file", header: "File", render: (u) => <Text size="sm" style={{ wordBreak: "break-all" }}>{u.filename}</Text>, value: (u) => u.filename },
  { key: "kind", header: "Kind", render: (u) => kindName(u.kind), value: (u) => kindName(u.kind) },
  { key: "broker", header: "Source", render: (u) => `${brokerName(u.broker)}${u.account_code ? ` · ${u.account_code}` : ""}${u.segment ? ` · ${u.segment}` : ""}`, value: (u) => u.broker },
  { key: "range", header: "Covers", render: (u) => dateRange(u.date_from, u.date_to), value: (u) => u.date_from },
  { key: "read", header: "Rows read", numeric: true, render: (u) => qty(u.rows_read), value: (u) => u.rows_read },
  { key: "added", header: "Added", numeric: true, render: (u) => qty(u.rows_added), value: (u) => u.rows_added },
  { key: "dups", header: "Duplicates skipped", numeric: true, render: (u) => qty(u.duplicates), value: (u) => u.duplicates },
  { key: "at", header: "Uploaded", render: (u) => istDateTime(u.created_at), value: (u) => u.created_at },
];

function UploadCards({ rows }: { rows: Upload[] }) {
  if (rows.length === 0) return <Text c="dimmed" ta="center" py="md">No uploads yet.</Text>;
  return (
    <Stack gap="xs">
      {rows.map((u) => (
        <Paper withBorder p="sm" key={u.id} component="article" aria-label={u.filename}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <div style={{ minWidth: 0 }}>
              <Text fw={600} size="sm" style={{ wordBreak: "break-all" }}>{u.filename}</Text>
              <Text size="sm">{qty(u.rows_added)} added · {qty(u.duplicates)} duplicates skipped</Text>
              <Text size="xs" c="dimmed">
                {kindName(u.kind)} · {brokerName(u.broker)}{u.account_code ? ` · ${u.account_code}` : ""} · {dateRange(u.date_from, u.date_to)}
              </Text>
              <Text size="xs" c="dimmed">Uploaded {istDateTime(u.created_at)}</Text>
            </div>
            <DeleteUpload u={u} />
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

export function Component() {
  const uploads = useUploads();
  const client = useQueryClient();
  const phone = useMediaQuery("(max-width: 36em)");
  const [queue, setQueue] = useState<Queued[]>([]);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const needsPassword = queue.some((q) => q.kind === "cas");

  const add = (files: File[]) =>
    setQueue((q) => [...q, ...files.map((file) => ({ id: nextId++, file, kind: guessKind(file.name) }))]);

  const send = async () => {
    const sending = queue;
    setQueue([]);
    const done: Outcome[] = [];
    for (const q of sending) {
      setBusy(q.file.name);
      const base = { id: q.id, filename: q.file.name, kind: q.kind };
      try {
        done.push({ ...base, report: await uploadFile(q.kind, q.file, password) });
      } catch (e) {
        done.push({ ...base, refused: problem(e) });
      }
      setOutcomes([...done]);
    }
    setBusy(null);
    setPassword("");
    await refreshJournal(client);
  };

  const added = outcomes.reduce((n, o) => n + ("report" in o ? o.report.rows_added : 0), 0);

  return (
    <>
      <PageTitle actions={<Button component={Link} to="/journal" variant="default">Open the journal</Button>}>Uploads</PageTitle>
      <Stack gap="lg">
        <Card withBorder component="section" aria-label="Upload statements">
          <Title order={2} size="h5" mb="xs">Upload statements</Title>
          <Text size="sm" mb="sm">
            Zerodha Console: Reports → Tradebook, one quarter a file (three years is twelve files), Equity and
            F&O, XLSX or CSV; Reports → Ledger for cash. Upstox trade reports and Groww order histories are read too.
            A file is imported whole or not at all, and rows already stored are skipped, so uploading the same
            file again adds nothing.
          </Text>
          <DropZone onFiles={add} />
          {queue.length > 0 && (
            <Stack gap="xs" mt="md" component="ul" aria-label="Files to send" style={{ listStyle: "none", padding: 0 }}>
              {queue.map((q) => (
                <Group component="li" key={q.id} justify="space-between" wrap="wrap" gap="xs">
                  <Text size="sm" style={{ wordBreak: "break-all", flex: "1 1 12rem" }}>{q.file.name}</Text>
                  <Group gap="xs" wrap="nowrap">
                    <Select size="xs" w={190} aria-label={`What ${q.file.name} is`} data={KIND_CHOICES} value={q.kind} allowDeselect={false}
                      onChange={(v) => v && setQueue((all) => all.map((x) => (x.id === q.id ? { ...x, kind: v as UploadKind } : x)))} />
                    <Button size="compact-sm" variant="subtle" aria-label={`Remove ${q.file.name}`}
                      onClick={() => setQueue((all) => all.filter((x) => x.id !== q.id))}>Remove</Button>
                  </Group>
                </Group>
              ))}
              {needsPassword && (
                <PasswordInput label="CAS password" description="The PDF's password, usually your PAN in capitals. The PDF is read and not kept."
                  value={password} onChange={(e) => setPassword(e.currentTarget.value)} maw={360} />
              )}
              <Group>
                <Button onClick={() => void send()} disabled={needsPassword && password === ""}>
                  Upload {queue.length === 1 ? "1 file" : `${queue.length} files`}
                </Button>
              </Group>
            </Stack>
          )}
          {busy && <Text size="sm" mt="sm" role="status">Reading {busy}…</Text>}
        </Card>

        {outcomes.length > 0 && (
          <Card withBorder component="section" aria-label="What the files added">
            <Group justify="space-between" mb="xs" wrap="wrap">
              <Title order={2} size="h5">What the files added</Title>
              {!busy && added > 0 && (
                <Anchor component={Link} to="/journal" size="sm">See the journal ({qty(added)} rows added)</Anchor>
              )}
            </Group>
            <Stack gap="xs">
              {outcomes.map((o) => <ReportCard key={o.id} outcome={o} />)}
            </Stack>
          </Card>
        )}

        <FoBhavcopyCard />

        <Card withBorder component="section" aria-label="Your uploads">
          <Title order={2} size="h5" mb="xs">Your uploads</Title>
          {uploads.error && <Notice role="alert" color="red" mb="sm">{problem(uploads.error)}</Notice>}
          {phone ? (
            <UploadCards rows={uploads.data ?? []} />
          ) : (
            <DataTable caption="Your uploads" columns={columns} rows={uploads.data ?? []} rowKey={(u) => u.id}
              loading={uploads.isPending} empty="No uploads yet." rowActions={(u) => <DeleteUpload u={u} />} />
          )}
        </Card>
      </Stack>
    </>
  );
}
