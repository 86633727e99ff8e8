// The journal: P&L by financial year with the tax split, the round trips, the Edge Finder,
// Patterns and the benchmark. Every figure is the API's (FIFO, corporate actions and tax rules
// are worked out on the server); the page only picks the year and lays them out.
import { download, toCsv } from "@/components/csv";
import { Anchor, Button, Card, FileInput, Group, List, Loader, SegmentedControl, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { type Column, DataTable } from "@/components/DataTable";
import { Figure, READABLE_PLACEHOLDER } from "@/components/Figure";
import { BENCH_COLOUR, LineChart, RUN_COLOURS } from "@/components/LineChart";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { SwitcherControls, useFamilyScope } from "@/family/FamilySwitcher";
import { useGroups } from "@/family/familyApi";
import { type Scope, scopeLabel } from "@/family/scope";
import { instrumentName, istDate, plainTicks, qty } from "@/format";
import { Notice } from "@/orders/Notice";
import { EdgeTab, PatternsTab } from "./Analytics";
import { ReturnFigures } from "./ReturnFigures";
import {
  type Benchmark, type BenchmarkMetrics, type GainsBucket, type IndexImport, type OpenPosition, type Period, type RoundTrip,
  type Tax, type TripsQuery, type YearPnl, FIRST_TRIPS, TRIPS_PAGE, allTrips, exportTax, importIndex, useBenchmark, useCountPaper, usePnl, useTax,
} from "./journalApi";
import {
  accountName, benchmarkLines, financialYears, fractionPct, fyRange, gainsName, istToday, periodName, problem, ratio, sourceName, tripType,
} from "./journalWords";

const TABS = [
  { value: "pnl", label: "P&L and tax" },
  { value: "round-trips", label: "Round trips" },
  { value: "edge", label: "Edge Finder" },
  { value: "patterns", label: "Patterns" },
  { value: "benchmark", label: "Benchmark" },
];

/** Nothing counted yet: how trades arrive, or, when paper ones were left out, how to see them. */
function NoTrades({ paperLeftOut }: { paperLeftOut: number }) {
  const [, setPaper] = useCountPaper();
  if (paperLeftOut > 0) {
    return (
      <Notice color="blue" role="status" title="No real trades yet">
        Your {qty(paperLeftOut)} paper round trip{paperLeftOut === 1 ? " is" : "s are"} left out, as your broker's Console leaves
        them out. <Anchor component="button" type="button" fz="inherit" c="light-dark(var(--mantine-color-blue-9), var(--mantine-color-blue-3))" underline="always" onClick={() => setPaper(true)}>Count paper trades too</Anchor>, or upload
        your tradebooks on the <Link to="/uploads">Uploads</Link> page.
      </Notice>
    );
  }
  return (
    <Notice color="blue" role="status" title="Nothing in the journal yet">
      Upload your tradebooks on the <Link to="/uploads">Uploads</Link> page; live trades TraderTape books for you
      appear here on their own (paper ones under "Real and paper").
    </Notice>
  );
}

// ----------------------------------------------------------------------------- P&L and tax

function Business({ title, hint, b }: { title: string; hint: string; b: Tax["speculative"] }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={3} size="h6">{title}</Title>
      <Text size="xs" c="dimmed" mb="xs">{hint}</Text>
      <SimpleGrid cols={2} spacing="xs">
        <Figure label="P&L"><Money value={b.pnl} pnl /></Figure>
        <Figure label="Turnover"><Money value={b.turnover} /></Figure>
        <Figure label="Charges"><Money value={b.charges} /></Figure>
        <Figure label="Round trips">{qty(b.trips)}</Figure>
      </SimpleGrid>
    </Card>
  );
}

const gainsColumns: Column<GainsBucket>[] = [
  { key: "kind", header: "Gains", render: (b) => gainsName(b.kind) },
  { key: "rate", header: "Rate", numeric: true, render: (b) => fractionPct(b.rate) },
  { key: "gains", header: "Gains (₹)", numeric: true, render: (b) => <Money value={b.gains} /> },
  { key: "losses", header: "Losses (₹)", numeric: true, render: (b) => <Money value={b.losses} /> },
  { key: "expenses", header: "Transfer expenses deducted (₹)", numeric: true, render: (b) => <Money value={b.expenses} /> },
  { key: "net", header: "Net (₹)", numeric: true, render: (b) => <Money value={b.net} pnl /> },
  { key: "set_off", header: "Losses set off (₹)", numeric: true, render: (b) => <Money value={b.set_off} /> },
  { key: "exemption", header: "Exemption (₹)", numeric: true, render: (b) => <Money value={b.exemption} /> },
  { key: "taxable", header: "Taxable (₹)", numeric: true, render: (b) => <Money value={b.taxable} /> },
  { key: "tax", header: "Tax after set-off (₹)", numeric: true, render: (b) => <Money value={b.tax} /> },
  { key: "trips", header: "Round trips", numeric: true, render: (b) => qty(b.trips) },
];

function GainsCards({ rows }: { rows: GainsBucket[] }) {
  return (
    <Stack gap="xs">
      {rows.map((b) => (
        <Card withBorder key={`${b.kind}:${b.rate}`} component="article" aria-label={`${gainsName(b.kind)} at ${fractionPct(b.rate)}`}>
          <Text fw={600} size="sm">{gainsName(b.kind)} at {fractionPct(b.rate)}</Text>
          <SimpleGrid cols={2} spacing="xs" mt={4}>
            <Figure label="Net"><Money value={b.net} pnl /></Figure>
            <Figure label="Taxable"><Money value={b.taxable} /></Figure>
            <Figure label="Gains"><Money value={b.gains} /></Figure>
            <Figure label="Losses"><Money value={b.losses} /></Figure>
            <Figure label="Losses set off"><Money value={b.set_off} /></Figure>
            <Figure label="Exemption"><Money value={b.exemption} /></Figure>
            <Figure label="Tax after set-off"><Money value={b.tax} /></Figure>
          </SimpleGrid>
        </Card>
      ))}
    </Stack>
  );
}

function ExportButtons({ tax }: { tax: Tax }) {
  const [paper] = useCountPaper();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (format: "xlsx" | "csv") => {
    setBusy(format);
    setError(null);
    try {
      const { filename, blob } = await exportTax(tax.fy, format, paper);
      download(filename, blob);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack gap={4} align="flex-end">
      <Group gap="xs" wrap="wrap">
        <Button size="xs" variant="default" loading={busy === "xlsx"} onClick={() => void save("xlsx")}>Download XLSX</Button>
        <Button size="xs" variant="default" loading={busy === "csv"} onClick={() => void save("csv")}>Download CSV</Button>
      </Group>
      {error && <Text size="sm" c="red.8" role="alert">{error}</Text>}
    </Stack>
  );
}

function TaxYearView({ fy }: { fy: string }) {
  const tax = useTax(fy);
  const [paper] = useCountPaper();
  const phone = useMediaQuery("(max-width: 48em)");
  if (tax.isPending) return <Loader aria-label={`Loading FY ${fy}`} />;
  if (tax.error) return <Notice role="alert" color="red">{problem(tax.error)}</Notice>;
  const t = tax.data;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Title order={2} size="h4">Tax P&L, FY {t.fy}</Title>
          <Text size="sm" c="dimmed">{fyRange(t.fy)} · {paper ? "real and paper trades (paper is not income)" : "real trades"}</Text>
        </div>
        <ExportButtons tax={t} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Business title="Intraday equity (speculative business)" hint="Bought and sold the same day. Turnover: the sum of each trip's absolute P&L." b={t.speculative} />
        <Business title="F&O (non-speculative business)" hint="Futures and options, with the turnover a tax audit looks at." b={t.non_speculative} />
      </SimpleGrid>
      <Card withBorder component="section" aria-label="Capital gains">
        <Title order={3} size="h6" mb="xs">Capital gains on equity (delivery)</Title>
        {t.capital_gains.length === 0 ? (
          <Text size="sm" c="dimmed">No delivery trades closed in this year.</Text>
        ) : phone ? (
          <GainsCards rows={t.capital_gains} />
        ) : (
          <DataTable caption={`Capital gains, FY ${t.fy}`} columns={gainsColumns} rows={t.capital_gains} rowKey={(b) => `${b.kind}:${b.rate}`} />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="sm">
          <Figure label="Tax at special rates, after set-off" hint="The return's (Schedule SI), before surcharge and cess.">
            <Money value={t.special_rate_tax} />
          </Figure>
          <Figure label="Income at your slab, after set-off" hint="F&O, intraday and buyback dividend left: taxed at your slab with your other income.">
            <Money value={t.slab_income} />
          </Figure>
        </SimpleGrid>
        <Notice color="yellow" role="note" title="Check these figures before you file" mt="sm">{t.note}</Notice>
        <Text size="xs" c="dimmed" mt="xs">
          Each sale is taxed at the rate of its date, so a year that spans a change has a line per rate. Gains are
          after the transfer expenses (every charge but STT). Losses set off: the year's capital losses, its F&amp;O
          loss (s.71) and earlier years' losses, against the gains taxed highest first; the exemption then goes to
          the long-term gains left at the higher rate. Tax is after those set-offs, before surcharge and cess: the
          same as the return's below, where each set-off is shown.
        </Text>
      </Card>
      {(Number(t.buyback_dividend) !== 0 || Number(t.buyback_exempt_gain) !== 0) && (
        <Card withBorder component="section" aria-label="Buybacks">
          <Title order={3} size="h6" mb="xs">Buybacks</Title>
          <SimpleGrid cols={2}>
            <Figure label="Taxed as dividend (from 1 October 2024)"><Money value={t.buyback_dividend} /></Figure>
            <Figure label="Exempt gain (before 1 October 2024)"><Money value={t.buyback_exempt_gain} /></Figure>
          </SimpleGrid>
        </Card>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Figure label="STT not deducted from gains" hint="The other charges of delivery trades are deducted as transfer expenses (s.48); STT is not.">
          <Money value={t.charges_not_deducted} />
        </Figure>
      </SimpleGrid>
      {t.unmatched_isins.length > 0 && (
        <Notice color="orange" role="note" title="No 31 January 2018 value for some ISINs">
          Grandfathering could not be applied to {t.unmatched_isins.join(", ")}: the fair market value file has no
          price for them. Their cost is the actual cost; check it with your accountant.
        </Notice>
      )}
      <ReturnFigures fy={t.fy} />
    </Stack>
  );
}

const yearColumns: Column<YearPnl>[] = [
  { key: "fy", header: "Financial year", render: (y) => `FY ${y.fy}`, value: (y) => y.fy },
  { key: "realised", header: "Realised P&L (₹)", numeric: true, render: (y) => <Money value={y.realised} pnl />, value: (y) => y.realised },
  { key: "charges", header: "Charges (₹)", numeric: true, render: (y) => <Money value={y.charges} />, value: (y) => y.charges },
  { key: "net", header: "Net of charges (₹)", numeric: true, render: (y) => <Money value={y.net} pnl />, value: (y) => y.net },
  { key: "trips", header: "Round trips", numeric: true, render: (y) => qty(y.trips), value: (y) => y.trips },
];

function YearsTable({ years, onPick }: { years: YearPnl[]; onPick: (fy: string) => void }) {
  const phone = useMediaQuery("(max-width: 36em)");
  const pick = (y: YearPnl) => (
    <Button size="compact-sm" variant="default" aria-label={`Tax split of FY ${y.fy}`} onClick={() => onPick(y.fy)}>Tax split</Button>
  );
  if (!phone) {
    return <DataTable caption="P&L by financial year" columns={yearColumns} rows={years} rowKey={(y) => y.fy} rowActions={pick} empty="No closed round trips yet." />;
  }
  return (
    <Stack gap={6}>
      {years.map((y) => (
        <Group key={y.fy} justify="space-between" wrap="nowrap">
          <div>
            <Text size="sm" fw={600}>FY {y.fy}</Text>
            <Text size="xs" c="dimmed">{qty(y.trips)} round trips · charges <Money value={y.charges} /></Text>
          </div>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" fw={700}><Money value={y.net} pnl /></Text>
            {pick(y)}
          </Group>
        </Group>
      ))}
    </Stack>
  );
}

/** What the journal's figures count, said under its totals. */
export function countedWords(includePaper: boolean, paperLeftOut: number): string {
  if (includePaper) return "Counting real and paper trades: the paper account's simulated round trips are in every figure on this page, the tax P&L's too (they are not income).";
  const left = paperLeftOut === 0 ? "" : ` ${qty(paperLeftOut)} paper round trip${paperLeftOut === 1 ? " is" : "s are"} left out; switch to "Real and paper" to count them.`;
  return `Counting real trades only, as your broker's Console and the tax P&L below do.${left}`;
}

function PnlTab({ scope }: { scope: Scope }) {
  const pnl = usePnl(scope);
  const years = useMemo(() => {
    const listed = (pnl.data?.years ?? []).map((y) => y.fy);
    return listed.length > 0 ? listed : financialYears([], istToday());
  }, [pnl.data]);
  const [chosen, setChosen] = useState<string | null>(null);
  const fy = chosen && years.includes(chosen) ? chosen : (years[0] ?? null);
  if (pnl.isPending) return <Loader aria-label="Loading the journal" />;
  if (pnl.error) return <Notice role="alert" color="red">{problem(pnl.error)}</Notice>;
  const p = pnl.data;
  return (
    <Stack gap="md">
      {p.round_trips.length === 0 && p.open.length === 0 && <NoTrades paperLeftOut={p.paper_round_trips} />}
      <Card withBorder component="section" aria-label="All years">
        <Title order={2} size="h5" mb="xs">All years · {p.include_paper ? "real and paper trades" : "real trades"}</Title>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
          <Figure label="Realised P&L"><Money value={p.realised} pnl /></Figure>
          <Figure label="Charges"><Money value={p.charges} /></Figure>
          <Figure label="Net of charges"><Money value={p.net} pnl /></Figure>
          <Figure label="Unrealised (open positions)"><Money value={p.unrealised} pnl /></Figure>
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt="xs" data-testid="journal-counts">{countedWords(p.include_paper, p.paper_round_trips)}</Text>
        {p.applied_actions.length > 0 && (
          <Text size="xs" c="dimmed" mt="xs">Corporate actions applied: {p.applied_actions.join("; ")}</Text>
        )}
      </Card>
      {p.years.length > 0 && (
        <Card withBorder component="section" aria-label="P&L by financial year">
          <Title order={2} size="h5" mb="xs">P&L by financial year</Title>
          <YearsTable years={p.years} onPick={setChosen} />
          <Text size="xs" c="dimmed" mt="xs">A round trip counts in the year it was closed (sold, or bought back).</Text>
        </Card>
      )}
      <Group gap="xs" wrap="wrap">
        <Select label="Financial year" w={180} value={fy} onChange={setChosen} allowDeselect={false}
          data={years.map((y) => ({ value: y, label: `FY ${y}` }))} />
      </Group>
      {scope.kind !== "me" && (
        <Text size="sm" c="dimmed" role="note">Tax is each person's own: the tax P&L below is yours alone.</Text>
      )}
      {fy && <TaxYearView fy={fy} />}
    </Stack>
  );
}

// ----------------------------------------------------------------------------- round trips

const tripColumns: Column<RoundTrip>[] = [
  { key: "symbol", header: "Symbol", render: (t) => <Text size="sm" fw={600}>{instrumentName(t.symbol)}</Text>, value: (t) => t.symbol },
  { key: "account", header: "Account", drop: 2, render: (t) => accountName(t.account), value: (t) => t.account },
  { key: "type", header: "Type", render: (t) => `${tripType(t)}${t.direction === "short" ? " · short" : ""}${t.kind === "buyback" ? " · buyback" : ""}`, value: (t) => tripType(t) },
  { key: "qty", header: "Qty.", numeric: true, render: (t) => qty(t.quantity), value: (t) => t.quantity },
  { key: "opened", header: "Opened", render: (t) => istDate(t.opened), value: (t) => t.opened },
  { key: "closed", header: "Closed", render: (t) => istDate(t.closed), value: (t) => t.closed },
  { key: "held", header: "Days held", numeric: true, drop: 3, render: (t) => qty(t.held_days), value: (t) => t.held_days },
  { key: "buy", header: "Bought (₹)", numeric: true, drop: 4, render: (t) => <Money value={t.buy_value} />, value: (t) => t.buy_value },
  { key: "sell", header: "Sold (₹)", numeric: true, drop: 4, render: (t) => <Money value={t.sell_value} />, value: (t) => t.sell_value },
  { key: "pnl", header: "P&L (₹)", numeric: true, render: (t) => <Money value={t.pnl} pnl />, value: (t) => t.pnl },
  { key: "charges", header: "Charges (₹)", numeric: true, render: (t) => <TripCharges trip={t} />, value: (t) => t.charges },
  { key: "net", header: "Net (₹)", numeric: true, render: (t) => <Money value={t.net} pnl />, value: (t) => t.net },
  { key: "source", header: "From", drop: 1, render: (t) => sourceName(t.close_source), value: (t) => t.close_source },
];

/** A trip's charges, and why they differ from an identical trip's when its fills say so. */
function TripCharges({ trip }: { trip: RoundTrip }) {
  if (!trip.charges_note) return <Money value={trip.charges} />;
  return (
    <span title={trip.charges_note}>
      <Money value={trip.charges} />
      {/* the note wraps under the figure: on one line it widened the table past its box */}
      <Text span size="xs" c="dimmed" display="block" maw={220} ml="auto" style={{ whiteSpace: "normal" }}>{trip.charges_note}</Text>
    </span>
  );
}

const tripKey = (t: RoundTrip, i: number) => `${t.account}:${t.symbol}:${t.opened}:${t.closed}:${t.quantity}:${i}`;

function TripCards({ rows }: { rows: RoundTrip[] }) {
  if (rows.length === 0) return <Text c="dimmed" ta="center" py="md">No round trips match.</Text>;
  return (
    <Stack gap="xs">
      {rows.map((t, i) => (
        <Card withBorder key={tripKey(t, i)} component="article" aria-label={`${instrumentName(t.symbol)} closed ${istDate(t.closed)}`} p="sm">
          <Group justify="space-between" wrap="nowrap">
            <div>
              <Text fw={600}>{instrumentName(t.symbol)}{t.member && <Text span size="xs" c="dimmed"> · {t.member}</Text>}</Text>
              <Text size="xs" c="dimmed">{tripType(t)} · {qty(t.quantity)} · {istDate(t.opened)} → {istDate(t.closed)}</Text>
            </div>
            <Stack gap={0} align="flex-end">
              <Text fw={700}><Money value={t.net} pnl /></Text>
              <Text size="xs" c="dimmed">net of <Money value={t.charges} /></Text>
            </Stack>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}

const openColumns: Column<OpenPosition>[] = [
  { key: "symbol", header: "Symbol", card: "title", render: (p) => instrumentName(p.symbol), value: (p) => p.symbol },
  { key: "account", header: "Account", drop: 1, render: (p) => accountName(p.account), value: (p) => p.account },
  { key: "direction", header: "Side", render: (p) => (p.direction === "short" ? "Short" : "Long"), value: (p) => p.direction },
  { key: "qty", header: "Qty.", numeric: true, render: (p) => qty(p.quantity), value: (p) => p.quantity },
  { key: "cost", header: "Cost (₹)", numeric: true, render: (p) => <Money value={p.cost} />, value: (p) => p.cost },
  {
    key: "mark",
    header: "Last price (₹)",
    numeric: true,
    // an F&O contract past its expiry is never marked: it waits for its settlement price
    render: (p) =>
      p.expired_on ? (
        // words, not a figure: they wrap (a figure's cell keeps to one line), on a phone too
        // in the text's own colour, bold: Mantine's orange on white is 3.6:1, under the 4.5 asked
        <Text component="span" size="sm" fw={600} style={{ whiteSpace: "normal" }}>
          Expired {istDate(p.expired_on)}: settlement price needed
        </Text>
      ) : (
        <Money value={p.mark} />
      ),
    value: (p) => p.mark,
  },
  { key: "unrealised", header: "Unrealised (₹)", numeric: true, card: "aside", render: (p) => <Money value={p.unrealised} pnl />, value: (p) => p.unrealised },
];

const memberColumn: Column<RoundTrip> = { key: "member", header: "Member", render: (t) => t.member ?? "—", value: (t) => t.member };

/** The table's columns the server sorts by, by their keys (the others are not sortable). */
const SORTS: Record<string, NonNullable<TripsQuery["sort"]>> = {
  symbol: "symbol", qty: "quantity", opened: "opened", closed: "closed", pnl: "pnl", charges: "charges", net: "net",
};
const TYPES: Record<string, TripsQuery["type"]> = { Delivery: "delivery", Intraday: "intraday", "F&O": "fo" };

function RoundTripsTab({ scope }: { scope: Scope }) {
  const phone = useMediaQuery("(max-width: 48em)");
  const [symbol, setSymbol] = useState("");
  const [wanted] = useDebouncedValue(symbol.trim().toUpperCase(), 300);
  const [fy, setFy] = useState<string>("all");
  const [type, setType] = useState<string>("all");
  const [sort, setSort] = useState<{ key: string; desc?: boolean }>({ key: "closed", desc: true });
  const [page, setPage] = useState(0);
  const size = phone ? 20 : TRIPS_PAGE;
  const asked: TripsQuery = useMemo(() => {
    const filtered = wanted !== "" || fy !== "all" || type !== "all" || sort.key !== "closed" || !sort.desc || page > 0 || size !== TRIPS_PAGE;
    if (!filtered) return FIRST_TRIPS; // the P&L tab's answer, already here
    return {
      limit: size, offset: page * size, sort: SORTS[sort.key] ?? "closed", order: sort.desc ? "desc" : "asc",
      ...(wanted ? { symbol: wanted } : {}), ...(fy !== "all" ? { fy } : {}), ...(type !== "all" ? { type: TYPES[type] } : {}),
    };
  }, [wanted, fy, type, sort, page, size]);
  const pnl = usePnl(scope, asked);
  const [paper] = useCountPaper();
  const [exporting, setExporting] = useState(false);
  const columns = useMemo(() => {
    // only the columns the server sorts by offer to sort
    const sortable = tripColumns.map((c) => (c.key in SORTS ? c : { ...c, value: undefined }));
    return scope.kind === "me" ? sortable : [sortable[0]!, memberColumn, ...sortable.slice(1)];
  }, [scope.kind]);
  const years = pnl.data?.years.map((y) => y.fy) ?? [];
  const refilter = <V,>(set: (v: V) => void) => (v: V) => { set(v); setPage(0); };
  const open = useMemo(() => (pnl.data?.open ?? []).filter((p) => !wanted || p.symbol.includes(wanted)), [pnl.data, wanted]);
  if (pnl.isPending) return <Loader aria-label="Loading round trips" />;
  if (pnl.error) return <Notice role="alert" color="red">{problem(pnl.error)}</Notice>;
  const p = pnl.data;
  const trips = p.round_trips;
  const matched = p.matched.round_trips;
  const pages = Math.max(1, Math.ceil(matched / size));
  const all = p.years.reduce((n, y) => n + y.trips, 0);
  // every round trip the filter keeps, in the table's order, not only the page on screen
  const exportTrips = async () => {
    setExporting(true);
    try {
      const rows = await allTrips(scope, { ...asked, limit: undefined, offset: undefined }, paper);
      const every = scope.kind === "me" ? tripColumns : [tripColumns[0]!, memberColumn, ...tripColumns.slice(1)];
      const cols = every.filter((c) => c.value);
      download("round-trips.csv", toCsv(cols.map((c) => c.header), rows.map((r) => cols.map((c) => c.value?.(r)))));
    } finally {
      setExporting(false);
    }
  };
  return (
    <Stack gap="md">
      {all === 0 && p.open.length === 0 && <NoTrades paperLeftOut={p.paper_round_trips} />}
      <Group gap="xs" wrap="wrap" align="flex-end">
        <TextInput label="Symbol" placeholder="e.g. INFY" value={symbol} onChange={(e) => { setSymbol(e.currentTarget.value); setPage(0); }} w={160} />
        <Select label="Financial year" w={160} value={fy} onChange={refilter((v: string | null) => setFy(v ?? "all"))} allowDeselect={false}
          data={[{ value: "all", label: "All years" }, ...years.map((y) => ({ value: y, label: `FY ${y}` }))]} />
        <Select label="Type" w={150} value={type} onChange={refilter((v: string | null) => setType(v ?? "all"))} allowDeselect={false}
          data={[{ value: "all", label: "All types" }, "Delivery", "Intraday", "F&O"]} />
        <Text size="sm" c="dimmed" role="status">{qty(matched)} of {qty(all)} round trips</Text>
        <Button size="xs" variant="default" ml="auto" loading={exporting} disabled={matched === 0} onClick={exportTrips}>
          Export CSV
        </Button>
      </Group>
      <Group gap="lg" wrap="wrap" aria-label="Round trips matched" role="group">
        <Figure label="Realised P&L"><Money value={p.matched.realised} pnl /></Figure>
        <Figure label="Charges"><Money value={p.matched.charges} /></Figure>
        <Figure label="Net of charges"><Money value={p.matched.net} pnl /></Figure>
      </Group>
      {phone ? (
        <TripCards rows={trips} />
      ) : (
        <DataTable caption="Round trips" columns={columns} rows={trips} rowKey={(t) => tripKey(t, p.offset + trips.indexOf(t))}
          sort={sort} onSort={(next) => { setSort(next); setPage(0); }} empty="No round trips match." />
      )}
      {pages > 1 && (
        <Group justify="space-between" wrap="wrap" aria-label="Round trips: pages" role="navigation">
          <Text size="sm" c="dimmed">{qty(p.offset + 1)}–{qty(p.offset + trips.length)} of {qty(matched)}</Text>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</Button>
            <Text size="sm">Page {qty(page + 1)} of {qty(pages)}</Text>
            <Button size="xs" variant="default" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>Next</Button>
          </Group>
        </Group>
      )}
      {open.length > 0 && (
        <Card withBorder component="section" aria-label="Still open">
          <Title order={2} size="h5" mb="xs">Still open</Title>
          <DataTable caption="Open positions in the journal" columns={openColumns} rows={open}
            rowKey={(p) => `${p.account}:${p.symbol}:${p.segment}:${p.direction}`} />
        </Card>
      )}
    </Stack>
  );
}

// ----------------------------------------------------------------------------- benchmark

const PERIODS: Period[] = ["all", "1y", "3y", "5y"];

function IndexImportForm({ index }: { index: string }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState(index);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<IndexImport | null>(null);
  const send = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setDone(await importIndex(file, name));
      setFile(null);
      await client.invalidateQueries({ queryKey: ["journal", "benchmark"] });
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="xs" wrap="wrap">
        <FileInput label="Daily closes (CSV)" placeholder="Choose a file" styles={READABLE_PLACEHOLDER} accept=".csv,text/csv" value={file} onChange={setFile} w={240} clearable />
        <TextInput label="Index or fund" description="When the file does not name it" value={name} onChange={(e) => setName(e.currentTarget.value)} w={200} />
        <Button onClick={() => void send()} loading={busy} disabled={!file}>Import closes</Button>
      </Group>
      {error && <Text size="sm" c="red.8" role="alert">{error}</Text>}
      {done && (
        <Text size="sm" role="status">
          Imported {done.names.join(", ")}: {qty(done.rows_read)} days read, {qty(done.rows_added)} new, {istDate(done.first)} to {istDate(done.last)}.
        </Text>
      )}
    </Stack>
  );
}

function HowToImport({ index }: { index: string }) {
  return (
    <Card withBorder component="section" aria-label="Import index history">
      <Title order={3} size="h6" mb={4}>Import {index}'s history first</Title>
      <Text size="sm" mb={4}>
        The benchmark uses daily closes you import, never simulated prices, and the server does not go online by
        itself. Either of these works:
      </Text>
      <List size="sm" mb="sm">
        <List.Item>niftyindices.com → Historical Data: choose the index and the years, download the CSV (Date, Close).</List.Item>
        <List.Item>NSE's daily index bhavcopies (ind_close_all_DDMMYYYY.csv): every index's close of a day; import as many days as you have.</List.Item>
        <List.Item>For a fund: a CSV of date and NAV, named after the fund.</List.Item>
      </List>
      <IndexImportForm index={index} />
      <Text size="xs" c="dimmed" mt="xs">
        Upload your ledger on <Link to="/uploads">Uploads</Link> too: the money you added and withdrew is what XIRR and
        the time-weighted returns need.
      </Text>
    </Card>
  );
}

function MetricsTable({ b }: { b: Benchmark }) {
  const you: BenchmarkMetrics | null | undefined = b.you;
  const them: BenchmarkMetrics | null | undefined = b.benchmark;
  const rows: [string, (m: BenchmarkMetrics | null | undefined) => string][] = [
    ["CAGR", (m) => fractionPct(m?.cagr)],
    ["XIRR", (m) => fractionPct(m?.xirr)],
    ["Total return", (m) => fractionPct(m?.total_return)],
    ["Sharpe ratio", (m) => ratio(m?.sharpe)],
    ["Maximum drawdown", (m) => fractionPct(m?.max_drawdown)],
  ];
  return (
    <Table withTableBorder={false} fz="sm" verticalSpacing={4} maw={520}>
      <Table.Caption className="visually-hidden">You against {b.index}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Measure</Table.Th>
          <Table.Th style={{ textAlign: "right" }}>You</Table.Th>
          <Table.Th style={{ textAlign: "right" }}>{b.index}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(([label, show]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" fw={400}>{label}</Table.Th>
            <Table.Td className="num">{show(you)}</Table.Td>
            <Table.Td className="num">{show(them)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function BenchmarkTab() {
  const [index, setIndex] = useState("NIFTY 50");
  const [period, setPeriod] = useState<Period>("all");
  const bench = useBenchmark(index, period);
  const lines = useMemo(() => benchmarkLines(bench.data?.points ?? []), [bench.data]);
  const series = useMemo(() => [
    { name: "You", color: RUN_COLOURS[0]!, points: lines.you },
    { name: index, color: BENCH_COLOUR, points: lines.benchmark, dashed: true },
  ], [lines, index]);
  const b = bench.data;
  const imported = new Set(b?.imported.map((i) => i.name) ?? []);
  return (
    <Stack gap="md">
      <Text size="sm">
        Would you have done better holding the index? Your account (money in, plus realised P&L net of charges)
        against an index or a fund, both starting at 100.
      </Text>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select label="Compare with" w={220} value={index} allowDeselect={false} onChange={(v) => setIndex(v ?? "NIFTY 50")}
          data={(b?.choices ?? ["NIFTY 50", "NIFTY 100", "NIFTY NEXT 50", "NIFTY MIDCAP 50"]).map((c) => ({
            value: c, label: imported.has(c) ? c : `${c} (not imported)`,
          }))} />
        <SegmentedControl aria-label="Period" value={period} onChange={(v) => setPeriod(v as Period)}
          data={PERIODS.map((p) => ({ value: p, label: periodName(p) }))} />
      </Group>
      {bench.isPending ? <Loader aria-label="Loading the benchmark" /> : bench.error ? (
        <Notice role="alert" color="red">{problem(bench.error)}</Notice>
      ) : b && !imported.has(b.index) ? (
        <HowToImport index={b.index} />
      ) : b && b.points.length === 0 ? (
        <Notice color="blue" role="status" title="Nothing to compare yet">{b.missing ?? "No days to compare in this period."}</Notice>
      ) : b ? (
        <>
          <Card withBorder component="section" aria-label={`You against ${b.index}`}>
            <Title order={2} size="h5" mb={4}>You against {b.index}</Title>
            <Text size="xs" c="dimmed" mb="xs">{b.start && b.end ? `${istDate(b.start)} to ${istDate(b.end)}` : ""} · both start at 100</Text>
            <LineChart series={series} label={`Your account and ${b.index}, both from 100`} format={(v) => v.toFixed(1)} ticks={plainTicks} />
          </Card>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Card withBorder component="section" aria-label="Returns and risk">
              <Title order={2} size="h5" mb="xs">Returns and risk</Title>
              <MetricsTable b={b} />
            </Card>
            <Card withBorder component="section" aria-label="Against the index">
              <Title order={2} size="h5" mb="xs">Against the index</Title>
              <SimpleGrid cols={3} spacing="md">
                <Figure label="Alpha a year" hint="Your return the index does not explain">{fractionPct(b.alpha)}</Figure>
                <Figure label="Beta" hint="How much you move when it moves 1">{ratio(b.beta)}</Figure>
                <Figure label="Correlation" hint="−1 to 1">{ratio(b.correlation)}</Figure>
              </SimpleGrid>
            </Card>
          </SimpleGrid>
          <Card withBorder component="section" aria-label="How it is worked out">
            <Title order={3} size="h6" mb={4}>How it is worked out</Title>
            <List size="sm">{b.assumptions.map((a) => <List.Item key={a}>{a.charAt(0).toUpperCase() + a.slice(1)}.</List.Item>)}</List>
          </Card>
          <details>
            <summary><Text span size="sm">Import more history</Text></summary>
            <Stack mt="xs"><IndexImportForm index={b.index} /></Stack>
          </details>
        </>
      ) : null}
    </Stack>
  );
}

/** The one switch every figure of the journal follows: real trades, or paper ones too. */
function CountSwitch() {
  const [paper, setPaper] = useCountPaper();
  return (
    <SegmentedControl aria-label="Trades counted" value={paper ? "paper" : "real"} onChange={(v) => setPaper(v === "paper")}
      data={[{ value: "real", label: "Real trades" }, { value: "paper", label: "Real and paper" }]} />
  );
}

export function Component() {
  const { tab = "pnl" } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const scope = useFamilyScope();
  const groups = useGroups();
  const phone = useMediaQuery("(max-width: 62em)");
  const current = TABS.some((t) => t.value === tab) ? tab : "pnl";
  const family = scope.kind !== "me";
  return (
    <>
      <PageTitle actions={<Group gap="xs" wrap="wrap"><CountSwitch /><Button component={Link} to="/uploads" variant="default">Upload statements</Button></Group>}>Journal</PageTitle>
      {phone && (groups.data?.length ?? 0) > 0 && (
        <Card withBorder mb="md" component="section" aria-label="Whose figures"><SwitcherControls /></Card>
      )}
      {family && (
        <Text size="sm" c="dimmed" mb="sm" role="status">
          Showing {scopeLabel(scope, groups.data)}: their round trips, Edge Finder and Patterns together. Tax and the
          benchmark are yours alone.
        </Text>
      )}
      <Tabs value={current} onChange={(v) => void navigate({ pathname: v === "pnl" ? "/journal" : `/journal/${v}`, search: location.search })} keepMounted={false}>
        <Tabs.List mb="md">
          {TABS.map((t) => <Tabs.Tab key={t.value} value={t.value}>{t.label}</Tabs.Tab>)}
        </Tabs.List>
        <Tabs.Panel value="pnl"><PnlTab scope={scope} /></Tabs.Panel>
        <Tabs.Panel value="round-trips"><RoundTripsTab scope={scope} /></Tabs.Panel>
        <Tabs.Panel value="edge"><EdgeTab scope={scope} /></Tabs.Panel>
        <Tabs.Panel value="patterns"><PatternsTab scope={scope} /></Tabs.Panel>
        <Tabs.Panel value="benchmark"><BenchmarkTab /></Tabs.Panel>
      </Tabs>
    </>
  );
}
