// NSE's F&O bhavcopies: an administrator drops a day's file, a zip of days or a whole folder
// (sent one file a request, so each gets its own report and the page shows how far it is);
// everyone sees which days and expiries of each underlying are imported.
import { Badge, Button, Card, Group, List, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import type { components } from "@/api/schema";
import { useMe } from "@/auth/useMe";
import { type Column, DataTable } from "@/components/DataTable";
import { istDate, qty } from "@/format";
import { dateRange, problem } from "./journalWords";

type Coverage = components["schemas"]["FoCoverageOut"];
type Underlying = components["schemas"]["FoUnderlyingOut"];
type Imported = components["schemas"]["FoImportOut"];
type FoBody = components["schemas"]["Body_market-upload_fo_bhavcopy"];

const coverageKey = ["market", "fo", "coverage"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function useFoCoverage() {
  return useQuery({
    queryKey: coverageKey,
    queryFn: async (): Promise<Coverage> => unwrap(await api.GET("/api/market/fo/coverage")),
  });
}

async function sendBhavcopy(file: File): Promise<Imported> {
  const form = new FormData();
  form.append("file", file, file.name);
  return unwrap(await api.POST("/api/uploads/fo-bhavcopy", { body: form as unknown as FoBody }));
}

/** "Jul 2024" for "2024-07". */
export function monthName(month: string): string {
  const [year, number] = month.split("-");
  return `${MONTHS[Number(number) - 1] ?? month} ${year}`;
}

/** One line of what an uploaded file stored. */
export function importedLine(r: Imported): string {
  const days = r.days.length === 1 ? istDate(r.days[0]) : `${r.days.length} days, ${dateRange(r.days[0], r.days[r.days.length - 1])}`;
  const again = r.replaced_days > 0 ? `; ${qty(r.replaced_days)} underlying-days replaced` : "";
  const n = r.underlyings.length;
  return `${days}: ${qty(n)} underlying${n === 1 ? "" : "s"}, ${qty(r.rows)} contracts${again}`;
}

/** The expiries to show: the next ones after the last stored day first, then the latest past. */
export function expiryLine(u: Underlying, shown = 4): string {
  const later = u.expiries.filter((e) => e >= u.last);
  const pick = (later.length > 0 ? later : u.expiries.slice(-shown)).slice(0, shown);
  const more = u.expiries.length - pick.length;
  return `${pick.map((e) => istDate(e)).join(", ")}${more > 0 ? ` (+${qty(more)} more)` : ""}`;
}

const columns: Column<Underlying>[] = [
  { key: "underlying", header: "Underlying", card: "title", render: (u) => <Text size="sm" fw={600}>{u.underlying}</Text>, value: (u) => u.underlying },
  { key: "days", header: "Days", numeric: true, render: (u) => qty(u.days), value: (u) => u.days },
  { key: "range", header: "From – to", render: (u) => dateRange(u.first, u.last), value: (u) => u.first },
  {
    key: "months", header: "Days a month", drop: 2, value: (u) => u.months.length,
    render: (u) => (
      <Group gap={4} wrap="wrap">
        {u.months.map((m) => (
          <Badge key={m.month} variant="light" color="gray" size="sm" title={`${m.days} trading days of ${monthName(m.month)} imported`}>
            {monthName(m.month)}: {m.days}
          </Badge>
        ))}
      </Group>
    ),
  },
  { key: "expiries", header: "Expiries", render: (u) => <Text size="sm">{qty(u.expiries.length)}: {expiryLine(u)}</Text>, value: (u) => u.expiries.length },
  { key: "rows", header: "Contracts", numeric: true, drop: 3, render: (u) => qty(u.rows), value: (u) => u.rows },
];

type Outcome = { name: string } & ({ imported: Imported } | { refused: string });

export function FoBhavcopyCard() {
  const me = useMe();
  const coverage = useFoCoverage();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const admin = me.data?.is_admin === true;

  const send = async (files: File[]) => {
    const wanted = files.filter((f) => /\.(csv|zip)$/i.test(f.name));
    const done: Outcome[] = [];
    for (const [n, file] of wanted.entries()) {
      setBusy(`Importing ${n + 1} of ${wanted.length}: ${file.name}…`);
      try {
        done.push({ name: file.name, imported: await sendBhavcopy(file) });
      } catch (e) {
        done.push({ name: file.name, refused: problem(e) });
      }
      setOutcomes([...done]);
    }
    setBusy(null);
    await client.invalidateQueries({ queryKey: coverageKey });
  };

  const held = coverage.data;
  return (
    <Card withBorder component="section" aria-label="NSE F&O bhavcopies">
      <Title order={2} size="h5" mb="xs">NSE F&O bhavcopies</Title>
      <Text size="sm" mb="sm">
        NSE's daily F&O bhavcopy (BhavCopy_NSE_FO_…_F_0000.csv, or the older fo…bhav.csv), a zip of days or a folder of a
        year: every future and option of each day, with its settlement price and lot size. Backtests of options read
        them, and the journal settles contracts held to expiry at their prices. A day imported again replaces itself.
      </Text>
      {admin ? (
        <Group mb="sm">
          <Button variant="default" onClick={() => input.current?.click()} disabled={busy !== null}>Choose bhavcopies</Button>
          <input ref={input} type="file" multiple hidden aria-label="F&O bhavcopy files" accept=".csv,.zip"
            onChange={(e) => { void send([...(e.currentTarget.files ?? [])]); e.currentTarget.value = ""; }} />
        </Group>
      ) : (
        <Text size="sm" c="dimmed" mb="sm">An administrator of this server imports them (here, or with `tradertape data import-fo-bhavcopy`).</Text>
      )}
      {busy && <Text size="sm" role="status" mb="sm">{busy}</Text>}
      {outcomes.length > 0 && (
        <List size="sm" spacing={2} mb="sm" aria-label="What the bhavcopies added">
          {outcomes.map((o) => (
            <List.Item key={o.name}>
              <Text span size="sm" fw={600} style={{ wordBreak: "break-all" }}>{o.name}</Text>{" "}
              {"imported" in o
                ? <Text span size="sm">{importedLine(o.imported)}</Text>
                : <Text span size="sm" c="red.8" role="alert">not imported, nothing stored: {o.refused}</Text>}
            </List.Item>
          ))}
        </List>
      )}
      <Stack gap="xs">
        {held && held.days.length > 0 && (
          <Text size="sm">
            {qty(held.days.length)} trading days imported, {dateRange(held.days[0], held.days[held.days.length - 1])}.
          </Text>
        )}
        {coverage.error && <Text size="sm" c="red.8" role="alert">{problem(coverage.error)}</Text>}
        <DataTable caption="F&O bhavcopies imported, by underlying" columns={columns} rows={held?.underlyings ?? []}
          rowKey={(u) => u.underlying} phoneCards pageSize={25} csvName="fo-coverage"
          loading={coverage.isPending} empty="No F&O bhavcopy imported yet." />
      </Stack>
    </Card>
  );
}
