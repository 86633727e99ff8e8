// The uploads and journal API as query hooks: the Uploads page and the Journal share them, so
// an upload (or a deleted one) refreshes every journal figure.
import { type QueryClient, keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, type components, type operations } from "@/api/client";
import { unwrap } from "@/api/errors";
import { type Scope, scopeQuery } from "@/family/scope";

export type Upload = components["schemas"]["UploadOut"];
export type UploadReport = components["schemas"]["UploadReportOut"];
export type Pnl = components["schemas"]["PnlOut"];
export type RoundTrip = components["schemas"]["RoundTripOut"];
export type OpenPosition = components["schemas"]["OpenPositionOut"];
export type Tax = components["schemas"]["TaxOut"];
export type YearPnl = components["schemas"]["YearPnlOut"];
export type GainsBucket = components["schemas"]["GainsBucketOut"];
export type Schedule112A = components["schemas"]["Schedule112AOut"];
export type TaxReturn = components["schemas"]["ReturnOut"];
export type ReturnFigure = components["schemas"]["ReturnFigureOut"];
export type Loss = components["schemas"]["LossOut"];
export type IncomeLine = components["schemas"]["IncomeLineOut"];
export type Edge = components["schemas"]["EdgeOut"];
export type PatternDimension = components["schemas"]["PatternDimensionOut"];
export type PatternBucket = components["schemas"]["PatternBucketOut"];
export type UploadKind = Upload["kind"];
export type Benchmark = components["schemas"]["BenchmarkOut"];
export type BenchmarkMetrics = components["schemas"]["BenchmarkMetricsOut"];
export type IndexImport = components["schemas"]["IndexImportOut"];
export type PatternStrategy = components["schemas"]["PatternStrategyOut"];
export type Period = Benchmark["period"];

/** Which round trips the P&L route answers: filtered, sorted and paged on the server. */
export type TripsQuery = Omit<NonNullable<operations["journal-journal_pnl"]["parameters"]["query"]>, "include_paper" | "group_id" | "member">;
/** Round trips a page of the table. */
export const TRIPS_PAGE = 50;
/** The first page, newest close first: what the P&L tab asks for (and the Round trips tab
 * opens on, so the two share one answer). */
export const FIRST_TRIPS: TripsQuery = { limit: TRIPS_PAGE, offset: 0, sort: "closed", order: "desc" };

export const journalKeys = {
  all: ["journal"] as const,
  uploads: ["journal", "uploads"] as const,
  pnl: (scope: Scope, paper = false, trips: TripsQuery = FIRST_TRIPS) => ["journal", "pnl", scopeQuery(scope), paper, trips] as const,
  tax: (fy: string, paper = false) => ["journal", "tax", fy, paper] as const,
  taxReturn: (fy: string, cashWithinLimit: boolean) => ["journal", "tax-return", fy, cashWithinLimit] as const,
  edge: (scope: Scope, paper = false) => ["journal", "edge", scopeQuery(scope), paper] as const,
  patterns: (scope: Scope, paper = false) => ["journal", "patterns", scopeQuery(scope), paper] as const,
  benchmark: (index: string, period: string) => ["journal", "benchmark", index, period] as const,
};

/** After an upload or a delete every journal figure may have moved, and so may your wealth
 * (holdings from tradebooks, funds from a CAS, cash from a ledger). */
export async function refreshJournal(client: QueryClient): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: journalKeys.all }),
    client.invalidateQueries({ queryKey: ["wealth"] }),
    client.invalidateQueries({ queryKey: ["family", "consolidated"] }),
  ]);
}

/** Your uploads, newest first. */
export function useUploads() {
  return useQuery({
    queryKey: journalKeys.uploads,
    queryFn: async () => unwrap(await api.GET("/api/uploads", { params: { query: { limit: 500 } } })),
  });
}

export const deleteUpload = async (id: number) =>
  unwrap(await api.DELETE("/api/uploads/{upload_id}", { params: { path: { upload_id: id } } }));

// A multipart body: the generated types call a file "string" (format binary), so the form is
// passed through as it is (openapi-fetch sends FormData unchanged, with its boundary).
const asForm = <T,>(form: FormData) => form as unknown as T;

type TradebookBody = components["schemas"]["Body_uploads-upload_tradebooks"];
type LedgerBody = components["schemas"]["Body_uploads-upload_ledger"];
type CasBody = components["schemas"]["Body_uploads-upload_cas"];

/** One file to its route: a tradebook as `files[]`, a ledger or a CAS (with its password) as
 * `file`. One file a request, so each file gets its own report and a bad one stops no other. */
export async function uploadFile(kind: UploadKind, file: File, password = ""): Promise<UploadReport> {
  const form = new FormData();
  if (kind === "tradebook") {
    form.append("files[]", file, file.name);
    const batch = unwrap(await api.POST("/api/uploads/tradebook", { body: asForm<TradebookBody>(form) }));
    const [report] = batch.files;
    if (!report) throw new Error(`The server sent no report for ${file.name}`);
    return report;
  }
  form.append("file", file, file.name);
  if (kind === "ledger") return unwrap(await api.POST("/api/uploads/ledger", { body: asForm<LedgerBody>(form) }));
  form.append("password", password);
  return unwrap(await api.POST("/api/uploads/cas", { body: asForm<CasBody>(form) }));
}

/** Whether the journal's figures count the paper account's simulated trades (`?paper=1`
 * in the address). Off by default: real trades only, as Kite's Console and the tax P&L
 * count; every figure of the page follows the one switch. */
export function useCountPaper(): [boolean, (on: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const on = params.get("paper") === "1";
  const set = (next: boolean) =>
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (next) copy.set("paper", "1");
      else copy.delete("paper");
      return copy;
    }, { replace: true });
  return [on, set];
}

/** The journal's totals (all years), the open positions and one page of round trips as
 * `trips` asks (the server filters, sorts and pages them, and sums all its filter keeps):
 * yours, or the family members' the switcher chose; paper trades only when the switch
 * counts them. Another page keeps the last one on screen until it comes. */
export function usePnl(scope: Scope, trips: TripsQuery = FIRST_TRIPS) {
  const [paper] = useCountPaper();
  return useQuery({
    queryKey: journalKeys.pnl(scope, paper, trips),
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/api/journal/pnl", { params: { query: { ...scopeQuery(scope), ...trips, include_paper: paper } } })),
  });
}

/** Every round trip `trips` filters and sorts (no page: the CSV of all of them), counting
 * what the page's switch counts. */
export async function allTrips(scope: Scope, trips: TripsQuery, paper: boolean): Promise<RoundTrip[]> {
  const { limit: _limit, offset: _offset, ...filter } = trips;
  const out = unwrap(await api.GET("/api/journal/pnl", { params: { query: { ...scopeQuery(scope), ...filter, include_paper: paper } } }));
  return out.round_trips;
}

/** The tax P&L of one financial year ("2024-25"), counting what the page's switch counts. */
export function useTax(fy: string | null) {
  const [paper] = useCountPaper();
  return useQuery({
    queryKey: journalKeys.tax(fy ?? "", paper),
    enabled: fy !== null,
    queryFn: async () =>
      unwrap(await api.GET("/api/journal/tax", { params: { query: { fy: fy ?? "", include_paper: paper } } })),
  });
}

/** The tax P&L as a file the browser saves (XLSX or CSV). */
export async function exportTax(fy: string, format: "xlsx" | "csv", paper = false): Promise<{ filename: string; blob: Blob }> {
  const out = unwrap(await api.GET("/api/journal/tax/export", { params: { query: { fy, format, include_paper: paper } } }));
  const bytes = Uint8Array.from(atob(out.content_base64), (c) => c.charCodeAt(0));
  return { filename: out.filename, blob: new Blob([bytes], { type: out.media_type }) };
}

/** A year's figures as the income-tax return takes them (Schedule 112A, ITR-3's business,
 * the audit hint, the losses carried forward); `cashWithinLimit`: cash receipts and payments
 * each within 5 % of the total. */
export function useTaxReturn(fy: string, cashWithinLimit: boolean) {
  return useQuery({
    queryKey: journalKeys.taxReturn(fy, cashWithinLimit),
    queryFn: async () =>
      unwrap(await api.GET("/api/journal/tax/return", { params: { query: { fy, cash_within_limit: cashWithinLimit } } })),
  });
}

/** Schedule 112A as the income-tax utility imports it (CSV). */
export async function exportSchedule112A(fy: string): Promise<{ filename: string; blob: Blob }> {
  const out = unwrap(await api.GET("/api/journal/tax/schedule-112a", { params: { query: { fy } } }));
  const bytes = Uint8Array.from(atob(out.content_base64), (c) => c.charCodeAt(0));
  return { filename: out.filename, blob: new Blob([bytes], { type: out.media_type }) };
}

export function useEdge(scope: Scope) {
  const [paper] = useCountPaper();
  return useQuery({
    queryKey: journalKeys.edge(scope, paper),
    queryFn: async () =>
      unwrap(await api.GET("/api/journal/edge", { params: { query: { ...scopeQuery(scope), include_paper: paper } } })),
  });
}

export function usePatterns(scope: Scope) {
  const [paper] = useCountPaper();
  return useQuery({
    queryKey: journalKeys.patterns(scope, paper),
    queryFn: async () =>
      unwrap(await api.GET("/api/journal/patterns", { params: { query: { ...scopeQuery(scope), include_paper: paper } } })),
  });
}

/** Your equity against an index (or fund) you imported, over a period. */
export function useBenchmark(index: string, period: Period) {
  return useQuery({
    queryKey: journalKeys.benchmark(index, period),
    queryFn: async () => unwrap(await api.GET("/api/journal/benchmark", { params: { query: { index, period } } })),
  });
}

type IndexBody = components["schemas"]["Body_journal-import_index"];

/** An index's (or fund's) daily closes for the benchmark; `name` when the file has none. */
export async function importIndex(file: File, name: string): Promise<IndexImport> {
  const form = new FormData();
  form.append("file", file, file.name);
  if (name.trim()) form.append("name", name.trim());
  return unwrap(await api.POST("/api/journal/benchmark/indices", { body: asForm<IndexBody>(form) }));
}

/** A Patterns finding saved as a strategy (V1 Momentum with the finding's rule). */
export async function strategyFromFinding(dimension: string, bucket: string): Promise<PatternStrategy> {
  return unwrap(await api.POST("/api/journal/patterns/strategy", { body: { dimension, bucket } }));
}

/** Starts the backtest the finding's answer names; the run's id. */
export async function startBacktest(backtest: PatternStrategy["backtest"]): Promise<number> {
  const run = unwrap(await api.POST("/api/backtest/runs", { body: backtest }));
  return run.id;
}
