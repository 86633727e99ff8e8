// Wealth (spec §10.5, §11): net worth, day P&L and allocation; holdings across every broker,
// the agent, uploaded tradebooks and CAS; mutual funds at the newest NAV with per-scheme and
// total XIRR; the AMFI NAV import. With the family switcher on a group, the group's rollup.
import { Badge, Button, Card, FileInput, Group, List, Loader, SegmentedControl, SimpleGrid, Stack, Tabs, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Figure, READABLE_PLACEHOLDER } from "@/components/Figure";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { istDate, qty } from "@/format";
import { FamilyRollup } from "@/family/FamilyRollup";
import { SwitcherControls, useFamilyScope } from "@/family/FamilySwitcher";
import { useGroups } from "@/family/familyApi";
import { scopeLabel } from "@/family/scope";
import { fractionPct, problem } from "@/journal/journalWords";
import { Notice } from "@/orders/Notice";
import { Allocation } from "./Allocation";
import { type CashLine, type Fund, type Holding, type MergedHolding, type NavImport, type Wealth, importNavs, refreshWealth, useWealth } from "./wealthApi";
import { asOfWords, navSource, sourceName, sourcesLine, staleNavs, valuedLine } from "./wealthWords";

const asOfColumn = <T extends { as_of?: string | null }>(today: string, header = "As of"): Column<T> => ({
  key: "asof", header, render: (r) => asOfWords(r.as_of, today), value: (r) => r.as_of,
});

const mergedColumns = (today: string): Column<MergedHolding>[] => [
  { key: "symbol", header: "Symbol", card: "title", render: (h) => <Text size="sm" fw={600} span>{h.symbol}</Text>, value: (h) => h.symbol },
  { key: "qty", header: "Qty.", numeric: true, render: (h) => qty(h.quantity), value: (h) => h.quantity },
  { key: "ltp", header: "Last price (₹)", numeric: true, render: (h) => <Money value={h.last_price} />, value: (h) => h.last_price },
  { key: "value", header: "Value (₹)", numeric: true, render: (h) => <Money value={h.value} />, value: (h) => h.value },
  { key: "day", header: "Day P&L (₹)", numeric: true, render: (h) => <Money value={h.day_pnl} pnl />, value: (h) => h.day_pnl },
  asOfColumn(today, "Price of"),
  { key: "from", header: "Held at", render: (h) => sourcesLine(h.sources), value: (h) => sourcesLine(h.sources) },
];

const holdingColumns = (today: string): Column<Holding>[] => [
  {
    key: "symbol", header: "Symbol", card: "title", value: (h) => h.symbol,
    render: (h) => (
      <Group gap={4} wrap="nowrap" component="span">
        <Text size="sm" fw={600} span>{h.symbol}</Text>
        {h.obfuscated && <Badge size="xs" variant="outline" color="gray">scaled by the agent</Badge>}
      </Group>
    ),
  },
  { key: "source", header: "From", render: (h) => sourceName(h.source, h.broker), value: (h) => sourceName(h.source, h.broker) },
  { key: "qty", header: "Qty.", numeric: true, render: (h) => qty(h.quantity), value: (h) => h.quantity },
  { key: "avg", header: "Avg. price (₹)", numeric: true, render: (h) => <Money value={h.average_price} />, value: (h) => h.average_price },
  { key: "ltp", header: "Last price (₹)", numeric: true, render: (h) => <Money value={h.last_price} />, value: (h) => h.last_price },
  { key: "value", header: "Value (₹)", numeric: true, render: (h) => <Money value={h.value} />, value: (h) => h.value },
  { key: "pnl", header: "P&L (₹)", numeric: true, render: (h) => <Money value={h.pnl} pnl />, value: (h) => h.pnl },
  { key: "day", header: "Day P&L (₹)", numeric: true, render: (h) => <Money value={h.day_pnl} pnl />, value: (h) => h.day_pnl },
  asOfColumn(today, "Price of"),
];

/** A fund's value with the day of its NAV beside it, and a word when that NAV is old. */
function FundValue({ f, today }: { f: Fund; today: string }) {
  return (
    <Stack gap={0} align="flex-end" component="span">
      <Money value={f.value} />
      <Group gap={4} wrap="nowrap" component="span">
        <Text size="xs" c="dimmed" span>at the NAV of {asOfWords(f.nav_date, today)}</Text>
        {f.nav_stale && <Badge size="xs" variant="outline" color="orange">over a week old</Badge>}
      </Group>
    </Stack>
  );
}

const fundColumns = (today: string): Column<Fund>[] => [
  { key: "scheme", header: "Scheme", card: "title", render: (f) => f.scheme, value: (f) => f.scheme },
  { key: "folio", header: "Folio", render: (f) => f.folio ?? "—", value: (f) => f.folio },
  { key: "units", header: "Units", numeric: true, render: (f) => f.units, value: (f) => f.units },
  {
    key: "nav", header: "NAV (₹)", numeric: true, value: (f) => f.nav,
    render: (f) => <span title={f.nav_date ? `${istDate(f.nav_date)}, from ${navSource(f.nav_source)}` : undefined}><Money value={f.nav} decimals={4} /></span>,
  },
  { key: "value", header: "Value (₹)", numeric: true, render: (f) => <FundValue f={f} today={today} />, value: (f) => f.value },
  { key: "invested", header: "Invested (₹)", numeric: true, render: (f) => <Money value={f.invested} />, value: (f) => f.invested },
  { key: "gain", header: "Gain (₹)", numeric: true, render: (f) => <Money value={f.gain} pnl />, value: (f) => f.gain },
  { key: "xirr", header: "XIRR a year", numeric: true, render: (f) => fractionPct(f.xirr), value: (f) => f.xirr },
  { key: "day", header: "Day P&L (₹)", numeric: true, render: (f) => <Money value={f.day_pnl} pnl />, value: (f) => f.day_pnl },
];

const cashColumns = (today: string): Column<CashLine>[] => [
  { key: "source", header: "Where", card: "title", render: (c) => sourceName(c.source, c.broker) },
  { key: "amount", header: "Amount (₹)", numeric: true, render: (c) => <Money value={c.amount} /> },
  asOfColumn(today, "Balance of"),
];

function NothingYet() {
  return (
    <Notice color="blue" role="status" title="Nothing here yet">
      Connect a broker in <Link to="/settings">Settings</Link>, or upload tradebooks and a mutual fund CAS on the{" "}
      <Link to="/uploads">Uploads</Link> page: your holdings, funds and cash then add up here.
    </Notice>
  );
}

function Dashboard({ w }: { w: Wealth }) {
  return (
    <Card withBorder component="section" aria-label="Net worth">
      <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="md" mb="md">
        <Figure label="Net worth"><Money value={w.net_worth} /></Figure>
        <Figure label="Day P&L"><Money value={w.day_pnl} pnl /></Figure>
        <Figure label="Equity"><Money value={w.equity} /></Figure>
        <Figure label="Mutual funds"><Money value={w.mutual_funds} /></Figure>
        <Figure label="Cash"><Money value={w.cash} /></Figure>
      </SimpleGrid>
      <Title order={2} size="h6" mb="xs">Asset allocation</Title>
      <Allocation parts={w.allocation} />
      <Text size="xs" c="dimmed" mt="xs">{valuedLine(w.as_of, w.oldest_as_of)} Paper books are practice, not wealth, and are left out.</Text>
    </Card>
  );
}

function Holdings({ w }: { w: Wealth }) {
  const [view, setView] = useState("symbol");
  return (
    <Stack gap="sm">
      <SegmentedControl value={view} onChange={setView} aria-label="Show holdings"
        data={[{ value: "symbol", label: "By symbol" }, { value: "source", label: "By source" }]} w="fit-content" />
      {view === "symbol" ? (
        <DataTable caption="Holdings by symbol" columns={mergedColumns(w.as_of)} rows={w.merged} rowKey={(h) => h.isin ?? h.symbol}
          csvName="holdings" phoneCards initialSort={{ key: "value", desc: true }} empty="No equity holdings." />
      ) : (
        <DataTable caption="Holdings by source" columns={holdingColumns(w.as_of)} rows={w.holdings}
          rowKey={(h) => `${h.source}:${h.broker}:${h.account}:${h.symbol}`} csvName="holdings-by-source" phoneCards
          initialSort={{ key: "value", desc: true }} empty="No equity holdings." />
      )}
      <Text size="xs" c="dimmed">
        A connected broker's holdings come first; without one, the trading agent's last report, then your uploaded
        tradebooks' open positions. CAS demat shares count where no broker lists them.
      </Text>
    </Stack>
  );
}

function NavImportForm() {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<NavImport | null>(null);
  const send = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setDone(await importNavs(file));
      setFile(null);
      await refreshWealth(client);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder component="section" aria-label="Import AMFI NAVs">
      <Title order={3} size="h6" mb={4}>Value funds at AMFI's latest NAV</Title>
      <Text size="sm" mb="xs">
        The server does not go online by itself. Download AMFI's daily file (amfiindia.com → NAVAll.txt) and import it
        here; two days' files also give the funds' day P&L.
      </Text>
      <Group align="flex-end" wrap="wrap" gap="xs">
        <FileInput label="AMFI NAV file" placeholder="NAVAll.txt" styles={READABLE_PLACEHOLDER} accept=".txt,text/plain" value={file} onChange={setFile} w={260} clearable />
        <Button onClick={() => void send()} loading={busy} disabled={!file}>Import NAVs</Button>
      </Group>
      {error && <Text size="sm" c="red.8" role="alert" mt="xs">{error}</Text>}
      {done && (
        <Notice color="teal" role="status" mt="sm" title="NAVs imported">
          {qty(done.rows_read)} lines read, {qty(done.rows_added)} new scheme-days
          {done.days.length > 0 && ` (${done.days.map((d) => istDate(d)).join(", ")})`}; {qty(done.matched_funds)} of your
          funds now valued at AMFI's NAV.
          {done.unmatched_funds.length > 0 && ` Not in the file: ${done.unmatched_funds.join(", ")}.`}
        </Notice>
      )}
    </Card>
  );
}

/** Asks for a newer AMFI file when a fund's NAV is more than a week old. */
function StaleNavs({ funds }: { funds: Fund[] }) {
  const stale = staleNavs(funds);
  if (stale.count === 0) return null;
  const which = stale.count === 1 ? "1 fund is" : `${stale.count} funds are`;
  return (
    <Notice color="yellow" role="note" title="Refresh your NAVs">
      {which} valued at a NAV more than a week old{stale.oldest ? ` (the oldest of ${istDate(stale.oldest)})` : ""}, so its
      value and XIRR are as of that day. Import today's AMFI file below to value them now.
    </Notice>
  );
}

function Funds({ w }: { w: Wealth }) {
  return (
    <Stack gap="md">
      <StaleNavs funds={w.funds} />
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
        <Figure label="Mutual funds"><Money value={w.mutual_funds} /></Figure>
        <Figure label="XIRR of all funds" hint="A year, over every purchase and redemption and each fund's value on its NAV's day">{fractionPct(w.funds_xirr)}</Figure>
      </SimpleGrid>
      <DataTable caption="Mutual funds" columns={fundColumns(w.as_of)} rows={w.funds} rowKey={(f) => `${f.folio}:${f.scheme}`} csvName="mutual-funds"
        phoneCards initialSort={{ key: "value", desc: true }}
        empty={<>No funds yet: upload your CAS (a PDF from CAMS, KFintech, NSDL or CDSL) on <Link to="/uploads">Uploads</Link>.</>} />
      <Text size="xs" c="dimmed">Each scheme is valued at the newest NAV known: an imported AMFI file when newer, else the CAS's own valuation. Its XIRR counts that value on the NAV's day, and needs the scheme's transactions (a detailed CAS); a summary CAS has none.</Text>
      <NavImportForm />
    </Stack>
  );
}

function Mine() {
  const wealth = useWealth();
  const phone = useMediaQuery("(max-width: 48em)");
  if (wealth.isPending) return <Loader aria-label="Loading your wealth" />;
  if (wealth.error) return <Notice role="alert" color="red">{problem(wealth.error)}</Notice>;
  const w = wealth.data;
  const empty = w.holdings.length === 0 && w.funds.length === 0 && w.cash_lines.length === 0;
  return (
    <Stack gap="md">
      {empty && <NothingYet />}
      <Dashboard w={w} />
      {w.warnings.length > 0 && (
        <Notice color="yellow" role="note" title="Some figures are incomplete">
          <List size="sm">{w.warnings.map((x) => <List.Item key={x}>{x}</List.Item>)}</List>
        </Notice>
      )}
      <Tabs defaultValue="holdings" keepMounted={false}>
        <Tabs.List mb="md" grow={phone ?? false}>
          <Tabs.Tab value="holdings">Holdings</Tabs.Tab>
          <Tabs.Tab value="funds">Mutual funds</Tabs.Tab>
          <Tabs.Tab value="cash">Cash</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="holdings"><Holdings w={w} /></Tabs.Panel>
        <Tabs.Panel value="funds"><Funds w={w} /></Tabs.Panel>
        <Tabs.Panel value="cash">
          <DataTable caption="Cash" columns={cashColumns(w.as_of)} rows={w.cash_lines} rowKey={(c) => `${c.source}:${c.broker}`} phoneCards
            empty="No cash known: connect a broker, or upload a ledger." />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

export function Component() {
  const scope = useFamilyScope();
  const groups = useGroups();
  const phone = useMediaQuery("(max-width: 62em)");
  const hasGroups = (groups.data?.length ?? 0) > 0;
  return (
    <>
      <PageTitle actions={<Button component={Link} to="/uploads" variant="default">Upload statements</Button>}>Wealth</PageTitle>
      {phone && hasGroups && (
        <Card withBorder mb="md" component="section" aria-label="Whose figures"><SwitcherControls /></Card>
      )}
      {scope.kind === "me" ? (
        <Mine />
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" role="status">
            Showing {scopeLabel(scope, groups.data)}. Funds, the NAV import and cash lines are on your own view (only me).
          </Text>
          <FamilyRollup scope={scope} />
        </Stack>
      )}
    </>
  );
}
