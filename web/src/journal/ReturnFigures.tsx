// A financial year's figures as the income-tax return takes them: Schedule 112A (a row per ISIN
// per rate period, its columns numbered as the form numbers them, and the CSV the offline
// utility imports), Schedule CG, the F&O and intraday business in ITR-3, the tax-audit hint, the
// set-offs by head and the tax they leave (Schedules CYLA and SI), and the losses brought
// forward, set off and carried forward. Every figure is the API's and says which schedule and
// field it goes in.
import { download } from "@/components/csv";
import { Button, Card, Group, List, Loader, Stack, Switch, Text, Title } from "@mantine/core";
import { useState } from "react";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { qty } from "@/format";
import { Notice } from "@/orders/Notice";
import { type IncomeLine, type Loss, type ReturnFigure, type Schedule112A, type TaxReturn, exportSchedule112A, useTaxReturn } from "./journalApi";
import { acquiredName, fractionPct, problem, transferredName } from "./journalWords";

const money = (pick: (r: Schedule112A) => string | null | undefined, pnl = false) => ({
  numeric: true,
  render: (r: Schedule112A) => <Money value={pick(r) ?? null} pnl={pnl} />,
  value: (r: Schedule112A) => pick(r),
});

// the utility's 14 columns do not fit a page: the FMV columns go first, then the prices the
// consideration and cost already hold, then what is the same on most rows (the CSV has them all)
const scheduleColumns: Column<Schedule112A>[] = [
  { key: "acquired", header: "(1a) Acquired", drop: 3, render: (r) => acquiredName(r.acquired), value: (r) => r.acquired },
  { key: "transferred", header: "(1b) Sold", render: (r) => transferredName(r.transferred), value: (r) => r.transferred },
  { key: "isin", header: "(2) ISIN", drop: 3, render: (r) => r.isin ?? "—", value: (r) => r.isin, card: "title" },
  { key: "name", header: "(3) Name", render: (r) => r.name, value: (r) => r.name, card: "title" },
  { key: "units", header: "(4) Units", numeric: true, render: (r) => qty(r.units), value: (r) => r.units },
  { key: "sale_price", header: "(5) Sale price (₹)", drop: 2, ...money((r) => r.sale_price) },
  { key: "consideration", header: "(6) Consideration (₹)", ...money((r) => r.consideration) },
  { key: "cost", header: "(7) Cost, no indexation (₹)", ...money((r) => r.cost) },
  { key: "actual_cost", header: "(8) Actual cost (₹)", drop: 2, ...money((r) => r.actual_cost) },
  { key: "lower", header: "(9) Lower of 6, 11 (₹)", drop: 1, ...money((r) => r.lower_of_fmv_and_sale) },
  { key: "fmv_per_unit", header: "(10) FMV 31 Jan 2018 (₹)", drop: 1, ...money((r) => r.fmv_per_unit) },
  { key: "fmv_total", header: "(11) Total FMV (₹)", drop: 1, ...money((r) => r.fmv_total) },
  { key: "expenditure", header: "(12) Transfer expenses (₹)", ...money((r) => r.expenditure) },
  { key: "deductions", header: "(13) Deductions (₹)", drop: 3, ...money((r) => r.deductions) },
  { key: "balance", header: "(14) Balance (₹)", ...money((r) => r.balance, true) },
];

const figureColumns: Column<ReturnFigure>[] = [
  { key: "schedule", header: "Schedule", render: (f) => f.schedule, value: (f) => f.schedule },
  { key: "field", header: "Field", render: (f) => f.field, value: (f) => f.field, card: "title" },
  { key: "amount", header: "Amount (₹)", numeric: true, render: (f) => <Money value={f.amount} />, value: (f) => f.amount },
];

function Figures({ caption, rows, csvName }: { caption: string; rows: ReturnFigure[]; csvName: string }) {
  return (
    <DataTable caption={caption} columns={figureColumns} rows={rows} rowKey={(f) => `${f.schedule}:${f.field}`}
      csvName={csvName} phoneCards empty="Nothing to enter." />
  );
}

const lossColumns: Column<Loss>[] = [
  { key: "label", header: "Schedule CFL column", render: (x) => x.label, value: (x) => x.label, card: "title" },
  { key: "ay", header: "Assessment year", render: (x) => `AY ${x.assessment_year}`, value: (x) => x.assessment_year },
  { key: "amount", header: "Brought forward (₹)", numeric: true, render: (x) => <Money value={x.amount} />, value: (x) => x.amount },
  { key: "set_off", header: "Set off this year (₹)", numeric: true, render: (x) => <Money value={x.set_off} />, value: (x) => x.set_off },
  { key: "left", header: "Left (₹)", numeric: true, render: (x) => <Money value={x.left} />, value: (x) => x.left },
  { key: "last", header: "Last year to set off", render: (x) => `FY ${x.last_fy}`, value: (x) => x.last_fy },
];

function SaveSchedule({ fy, disabled }: { fy: string; disabled: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const { filename, blob } = await exportSchedule112A(fy);
      download(filename, blob);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={4} align="flex-end">
      <Button size="xs" variant="default" loading={busy} disabled={disabled} onClick={() => void save()}>
        Schedule 112A for the ITR utility (CSV)
      </Button>
      {error && <Text size="sm" c="red.8" role="alert">{error}</Text>}
    </Stack>
  );
}

function Schedule112ACard({ r }: { r: TaxReturn }) {
  return (
    <Card withBorder component="section" aria-label="Schedule 112A">
      <Group justify="space-between" align="flex-start" wrap="wrap" mb="xs">
        <div>
          <Title order={3} size="h6">Schedule 112A (ITR-2 / ITR-3): long-term gains on listed equity</Title>
          <Text size="xs" c="dimmed">
            A row per ISIN and rate period, columns numbered as on the form: (7) the higher of 8 and 9, (12) the
            charges other than STT, (14) = 6 − 7 − 12. A share bought after 31 Jan 2018 takes no columns 4, 5, 9,
            10 or 11 in the utility.
          </Text>
        </div>
        <SaveSchedule fy={r.fy} disabled={r.schedule_112a.length === 0} />
      </Group>
      {r.schedule_112a.length === 0 ? (
        <Text size="sm" c="dimmed">No long-term sales in this year.</Text>
      ) : (
        <Stack gap="sm">
          <DataTable caption={`Schedule 112A, FY ${r.fy}`} columns={scheduleColumns} rows={r.schedule_112a} csvName={`schedule-112a-${r.fy}-table`}
            rowKey={(x) => `${x.transferred}:${x.acquired}:${x.isin ?? x.name}:${x.sale_price ?? ""}:${x.actual_cost}`} phoneCards />
        </Stack>
      )}
    </Card>
  );
}

const incomeMoney = (pick: (x: IncomeLine) => string | null | undefined) => ({
  numeric: true,
  render: (x: IncomeLine) => <Money value={pick(x) ?? null} />,
  value: (x: IncomeLine) => pick(x),
});

const incomeColumns: Column<IncomeLine>[] = [
  { key: "label", header: "Income", render: (x) => x.label, value: (x) => x.label, card: "title" },
  { key: "rate", header: "Rate", numeric: true, render: (x) => (x.rate === null ? "Slab" : fractionPct(x.rate)), value: (x) => x.rate },
  { key: "net", header: "Net of the year (₹)", numeric: true, render: (x) => <Money value={x.net} pnl />, value: (x) => x.net },
  { key: "within", header: "Same head's losses, s.70 (₹)", drop: 2, ...incomeMoney((x) => x.within_head) },
  { key: "across", header: "F&O loss of the year, s.71 (₹)", ...incomeMoney((x) => x.across_heads) },
  { key: "brought", header: "Earlier years' losses (₹)", drop: 1, ...incomeMoney((x) => x.brought_forward) },
  { key: "left", header: "Left (₹)", ...incomeMoney((x) => x.left) },
  { key: "exemption", header: "Exemption, s.112A (₹)", drop: 1, ...incomeMoney((x) => x.exemption) },
  { key: "tax", header: "Tax (₹)", render: (x) => (x.tax === null ? "At your slab" : <Money value={x.tax} />), numeric: true, value: (x) => x.tax },
];

const SET_OFF_SCHEDULES = ["Schedule CG", "Schedule CYLA", "Schedule SI"];

function CapitalGainsCard({ r }: { r: TaxReturn }) {
  return (
    <Card withBorder component="section" aria-label="Schedule CG">
      <Title order={3} size="h6">Schedule CG: capital gains on listed equity</Title>
      <Text size="xs" c="dimmed" mb="xs">
        STCG u/s 111A (15 % before 23 July 2024, 20 % from then) and LTCG u/s 112A (10 %, 12.5 %), each after the
        transfer expenses; the LTCG is Schedule 112A's column 14.
      </Text>
      <Figures caption={`Schedule CG, FY ${r.fy}`} rows={r.capital_gains} csvName={`schedule-cg-${r.fy}`} />
    </Card>
  );
}

export function SetOffCard({ r }: { r: TaxReturn }) {
  const l = r.losses;
  return (
    <Card withBorder component="section" aria-label="Set-off and tax">
      <Title order={3} size="h6">Set-off and tax (Schedules CG, CYLA, BFLA and SI)</Title>
      <Text size="xs" c="dimmed" mb="xs">
        Each loss is set off first within its head (s.70), then the F&amp;O loss against the year's other income but
        salary (s.71), then earlier years' losses (s.72–74). Where the Act lets you choose, the income taxed highest
        goes first: slab income, then STCG at 20 %, 15 %, then LTCG at 12.5 %, 10 %; the ₹1.25 lakh exemption then
        goes to the long-term gains left at the higher rate.
      </Text>
      <Stack gap="sm">
        <DataTable caption={`Income by head after set-off, FY ${r.fy}`} columns={incomeColumns} rows={l.income}
          rowKey={(x) => `${x.head}:${x.rate ?? ""}`} csvName={`set-off-${r.fy}`} phoneCards empty="No income or loss in this year." />
        <Text size="sm" fw={600}>
          Tax at special rates after set-off: <Money value={l.special_rate_tax} /> (before surcharge and cess); income
          at your slab: <Money value={l.slab_income} />.
        </Text>
        <Figures caption={`Schedules CG, CYLA and SI, FY ${r.fy}`} rows={l.figures.filter((f) => SET_OFF_SCHEDULES.includes(f.schedule))}
          csvName={`cyla-si-${r.fy}`} />
      </Stack>
    </Card>
  );
}

function BusinessCard({ r, cash, onCash }: { r: TaxReturn; cash: boolean; onCash: (v: boolean) => void }) {
  return (
    <Card withBorder component="section" aria-label="F&O and intraday in ITR-3">
      <Title order={3} size="h6">F&O and intraday in ITR-3</Title>
      <Text size="xs" c="dimmed" mb="xs">
        Part A-P&L's no-accounts case for each business, then Schedule BP. Expenses are the trades' charges, STT included.
      </Text>
      <Figures caption={`ITR-3 business figures, FY ${r.fy}`} rows={r.business.figures} csvName={`itr3-business-${r.fy}`} />
      <Title order={4} size="h6" mt="md">Tax audit (s.44AB) and s.44AD</Title>
      <Switch mt={4} checked={cash} onChange={(e) => onCash(e.currentTarget.checked)}
        label="Cash receipts and payments each within 5 % of the total" />
      <List size="sm" mt="xs" spacing={4} aria-label="Tax audit hint">
        {r.audit.words.map((w) => <List.Item key={w}>{w}</List.Item>)}
      </List>
    </Card>
  );
}

function LossesCard({ r }: { r: TaxReturn }) {
  const l = r.losses;
  return (
    <Card withBorder component="section" aria-label="Losses carried forward">
      <Title order={3} size="h6">Losses carried forward (Schedules BFLA and CFL)</Title>
      <Text size="xs" c="dimmed" mb="xs">
        Earlier years' losses, oldest first: speculative only against speculative income (4 years), F&O business against
        business income (8), short-term capital against any capital gains, long-term only against long-term (8).
      </Text>
      <Stack gap="sm">
        <DataTable caption={`Losses brought forward into FY ${r.fy}`} columns={lossColumns} rows={l.brought_forward}
          rowKey={(x) => `${x.kind}:${x.fy}`} csvName={`losses-brought-forward-${r.fy}`} phoneCards empty="No losses brought forward." />
        <DataTable caption={`Losses carried forward from FY ${r.fy}`} columns={lossColumns.filter((c) => c.key !== "set_off" && c.key !== "amount")}
          rows={l.carried_forward} rowKey={(x) => `${x.kind}:${x.fy}`} csvName={`losses-carried-forward-${r.fy}`} phoneCards
          empty="Nothing to carry forward." />
        <Figures caption={`Schedules BFLA and CFL, FY ${r.fy}`} rows={l.figures.filter((f) => !SET_OFF_SCHEDULES.includes(f.schedule))}
          csvName={`bfla-cfl-${r.fy}`} />
        {l.lapsed.length > 0 && (
          <Notice color="orange" role="note" title="Losses that lapse after this year">
            {l.lapsed.map((x) => `${x.label} of AY ${x.assessment_year}`).join("; ")}: their last year to be set off was FY {r.fy}.
          </Notice>
        )}
      </Stack>
    </Card>
  );
}

/** The return's figures of one financial year, under the tax P&L. */
export function ReturnFigures({ fy }: { fy: string }) {
  const [cash, setCash] = useState(true);
  const answer = useTaxReturn(fy, cash);
  if (answer.isPending) return <Loader aria-label={`Loading the return's figures for FY ${fy}`} />;
  if (answer.error) return <Notice role="alert" color="red">{problem(answer.error)}</Notice>;
  const r = answer.data;
  return (
    <Stack gap="md" component="section" aria-label="The return's figures">
      <Title order={2} size="h5">For the return: AY {r.assessment_year}</Title>
      <Schedule112ACard r={r} />
      <CapitalGainsCard r={r} />
      <BusinessCard r={r} cash={cash} onCash={setCash} />
      <SetOffCard r={r} />
      <LossesCard r={r} />
      <Notice color="yellow" role="note" title="Facts to check with your adviser">
        <List size="sm" spacing={2}>{r.notes.map((n) => <List.Item key={n}>{n}</List.Item>)}</List>
      </Notice>
    </Stack>
  );
}
