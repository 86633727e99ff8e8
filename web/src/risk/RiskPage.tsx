// Risk: the rules (create, edit, delete), where each stands against its limit today, the
// events the pre-trade check raised, and the kill switch.
import { Alert, Badge, Button, Group, Modal, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageLoader } from "@/components/PageLoader";
import { PageTitle } from "@/components/PageTitle";
import { useMe } from "@/auth/useMe";
import { Notice } from "@/orders/Notice";
import { direction, instrumentLabel, istDateTime, pct, plain, signedInr, words } from "@/format";
import "@/market/market.css";
import { MtmCard, type MtmState, mtmDistance } from "./MtmCard";
import { RULE_TYPES, type RuleDraft, type RuleOut, type ScopeNames, bodyOf, draftOf, ruleLabel, scopeName, scopeOf, scopeOptions } from "./ruleForm";
import { usePortfolios } from "@/portfolios/modelApi";
import { workerKeys } from "@/workers/workerApi";

type RuleState = components["schemas"]["RuleStateOut"];
type RiskEvent = components["schemas"]["RiskEventOut"];
type Book = "paper" | "live";

/** Direction colour for P&L, in shades that pass WCAG AA on this page's cards. */
function toneOf(value: string | number): string {
  const dir = direction(value);
  return dir === "flat" ? "" : `mw-${dir}`;
}

function figure(rule: { type: string }, value: string | number | null | undefined) {
  if (value === null || value === undefined) return "—";
  if (rule.type === "max_open_positions") return String(value);
  return plain(value);
}

type MtmPreview = components["schemas"]["MtmPreviewOut"];

/** Where an MTM exit rule would stand if saved now: its book's day MTM against the
 * thresholds typed, and a warning when saving would sell every open position at once. */
export function MtmStanding({ preview }: { preview: MtmPreview }) {
  return (
    <Paper withBorder p="xs" aria-label="Where this rule stands now">
      <Text size="sm">
        Day MTM now <Money value={preview.mtm} pnl />
        {preview.stop_at !== null && <> · exits at <Money value={preview.stop_at} pnl /></>}
        {preview.target_at !== null && <> · or at <Money value={preview.target_at} pnl /></>}
      </Text>
      {preview.would_trip && (
        <Alert color="red" mt="xs" role="alert" title="Saving this rule exits at once">
          {preview.trip_words}: saving it sells every open position of {preview.book === "all" ? "your account" : "its book"} at market within seconds.
        </Alert>
      )}
    </Paper>
  );
}

function RuleForm({ rule, names, onClose }: { rule?: RuleOut; names: ScopeNames; onClose: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<RuleDraft>(() => draftOf(rule));
  const [confirming, setConfirming] = useState(false);
  const mtm = draft.type === "mtm_exit";
  const previewBody = bodyOf(draft);
  const preview = useQuery({
    queryKey: ["risk", "preview", previewBody],
    queryFn: async () => unwrap(await api.POST("/api/risk/rules/preview", { body: previewBody })),
    enabled: mtm && (previewBody.threshold_amount !== null || previewBody.target_amount !== null),
    retry: false,
  });
  const save = useMutation({
    mutationFn: async (confirm: boolean) => {
      const body = { ...bodyOf(draft), confirm_trip: confirm };
      if (rule) return unwrap(await api.PUT("/api/risk/rules/{rule_id}", { params: { path: { rule_id: rule.id } }, body }));
      return unwrap(await api.POST("/api/risk/rules", { body }));
    },
    onSuccess: async () => {
      setConfirming(false);
      await client.invalidateQueries({ queryKey: ["risk"] });
      onClose();
    },
    onError: (error) => {
      // the MTM moved past the threshold since the preview: ask, as for a preview that trips
      if (error instanceof ApiError && error.status === 409 && error.message.includes("confirm_trip")) setConfirming(true);
    },
  });
  const submit = () => (mtm && preview.data?.would_trip ? setConfirming(true) : save.mutate(false));
  const fields = RULE_TYPES.find((t) => t.value === draft.type)?.fields ?? [];
  const errors = save.error instanceof ApiError ? save.error.fields : {};
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const known = new Set(["type", "action", "enabled", "threshold_amount", "threshold_pct", "threshold_count", "portfolio_id", "strategy_run_id", "worker_run_id", "target_amount", "trail_amount"]);
  const general = save.error && !Object.keys(errors).some((f) => known.has(f)) ? save.error.message : null;
  return (
    <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <Stack gap="sm">
        <Select label="Rule type" data={RULE_TYPES.map((t) => ({ value: t.value, label: t.label }))} value={draft.type}
          allowDeselect={false} onChange={(v) => v && set({ type: v as RuleDraft["type"] })} error={errors.type} />
        {draft.type !== "mtm_exit" && <Select label="Action" data={[{ value: "block", label: "Block the entry" }, { value: "warn", label: "Warn only" }]}
          value={draft.action} allowDeselect={false} onChange={(v) => v && set({ action: v as RuleDraft["action"] })} error={errors.action} />}
        {fields.includes("threshold_amount") && (
          <TextInput label={draft.type === "mtm_exit" ? "Exit at a day loss of (₹)" : "Limit (₹)"} inputMode="decimal" value={draft.threshold_amount}
            onChange={(e) => set({ threshold_amount: e.currentTarget.value })} error={errors.threshold_amount} />
        )}
        {fields.includes("threshold_pct") && (
          <TextInput label="Limit (% of capital)" inputMode="decimal" value={draft.threshold_pct}
            onChange={(e) => set({ threshold_pct: e.currentTarget.value })} error={errors.threshold_pct} />
        )}
        {fields.includes("target_amount") && (
          <TextInput label="Exit at a day profit of (₹)" inputMode="decimal" value={draft.target_amount}
            description="Leave blank for a loss exit only"
            onChange={(e) => set({ target_amount: e.currentTarget.value })} error={errors.target_amount} />
        )}
        {fields.includes("trail_amount") && (
          <TextInput label="Trail from the peak (₹)" inputMode="decimal" value={draft.trail_amount}
            description="With a target: reaching it arms a floor this far under the day's best MTM, which exits instead"
            onChange={(e) => set({ trail_amount: e.currentTarget.value })} error={errors.trail_amount} />
        )}
        {fields.includes("threshold_count") && (
          <NumberInput label="Limit (positions)" allowDecimal={false} min={1} value={draft.threshold_count}
            onChange={(v) => set({ threshold_count: String(v) })} error={errors.threshold_count} />
        )}
        <Select label="Applies to" description="The whole account, or one of your model portfolios or worker runs"
          data={scopeOptions(names, draft.scope, draft.type === "mtm_exit")} value={draft.scope} allowDeselect={false} searchable
          onChange={(v) => v !== null && set({ scope: v })}
          error={errors.portfolio_id ?? errors.strategy_run_id ?? errors.worker_run_id} />
        <Switch label="Enabled" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        {mtm && preview.data && <MtmStanding preview={preview.data} />}
        {general && !confirming && <Alert color="red" role="alert">{general}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={save.isPending}>{rule ? "Save rule" : "Create rule"}</Button>
        </Group>
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Exit every open position now?">
        <Stack gap="sm">
          <Text size="sm">
            {preview.data?.trip_words ?? (save.error instanceof ApiError ? save.error.message : "This rule is already past its threshold")}.
            Saving it sells every open position of its book at market now and pauses new entries until you resume.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>Don't save</Button>
            <Button color="red" loading={save.isPending} onClick={() => save.mutate(true)}>Save and exit now</Button>
          </Group>
        </Stack>
      </Modal>
    </form>
  );
}

function KillSwitch({ on }: { on: boolean }) {
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const flip = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/risk/kill-switch", { body: { on: !on } })),
    onSuccess: async () => {
      setAsking(false);
      await client.invalidateQueries({ queryKey: ["risk"] });
    },
  });
  return (
    <>
      <Group gap="sm">
        <Badge color={on ? "red" : "gray"} size="lg" aria-label="Kill switch state">{on ? "Kill switch ON" : "Kill switch off"}</Badge>
        <Button color={on ? "gray" : "red"} variant={on ? "default" : "filled"} onClick={() => setAsking(true)}>
          {on ? "Turn kill switch off" : "Turn kill switch on"}
        </Button>
      </Group>
      <Modal opened={asking} onClose={() => setAsking(false)} title={on ? "Turn the kill switch off?" : "Turn the kill switch on?"}>
        <Text size="sm" mb="md">
          {on ? "New entries will be allowed again, subject to your other rules."
            : "Every new entry order will be refused until you turn it off. Exits still go through."}
        </Text>
        {flip.error && <Alert color="red" mb="sm">{flip.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
          <Button color={on ? "blue" : "red"} loading={flip.isPending} onClick={() => flip.mutate()}>
            {on ? "Yes, turn it off" : "Yes, stop new entries"}
          </Button>
        </Group>
      </Modal>
    </>
  );
}

export function Component() {
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ["risk", "rules"], queryFn: async () => unwrap(await api.GET("/api/risk/rules")) });
  // With live trading on, the same rules also stand against the live book (what the user's
  // brokers hold and report); the page shows one book at a time.
  const liveAllowed = useMe().data?.live_trading_enabled ?? false;
  const [chosen, setChosen] = useState<Book>("paper");
  const book: Book = liveAllowed ? chosen : "paper";
  const state = useQuery({
    queryKey: ["risk", "state", book],
    queryFn: async () => unwrap(await api.GET("/api/risk/state", { params: { query: { book } } })),
    placeholderData: (previous) => previous, // switching books keeps the page, not a loader
  });
  const events = useQuery({ queryKey: ["risk", "events"], queryFn: async () => unwrap(await api.GET("/api/risk/events")) });
  // a rule's scope by name: the user's portfolios (retired ones too) and worker runs
  const active = usePortfolios();
  const retired = usePortfolios("retired");
  const runs = useQuery({
    queryKey: workerKeys.runs(),
    queryFn: async () => unwrap(await api.GET("/api/algo-workers/runs", { params: { query: { limit: 200 } } })),
  });
  const names: ScopeNames = {
    portfolios: [...(active.data ?? []), ...(retired.data ?? [])],
    runs: runs.data ?? [],
  };
  const [editing, setEditing] = useState<RuleOut | "new" | null>(null);
  const [deleting, setDeleting] = useState<RuleOut | null>(null);
  const remove = useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE("/api/risk/rules/{rule_id}", { params: { path: { rule_id: id } } })),
    onSuccess: async () => {
      setDeleting(null);
      await client.invalidateQueries({ queryKey: ["risk"] });
    },
  });

  if (rules.isPending || state.isPending) return <PageLoader />;
  if (rules.error || state.error) return <Alert color="red">{(rules.error ?? state.error)?.message}</Alert>;
  const s = state.data;
  const standing = new Map<number, RuleState>(s.rules.map((r) => [r.rule_id, r]));
  const mtmOf = (r: RuleOut) => (r.type === "mtm_exit" ? (standing.get(r.id)?.mtm as MtmState | null | undefined) ?? null : null);

  const columns: Column<RuleOut>[] = [
    { key: "type", header: "Rule", render: (r) => ruleLabel(r.type), value: (r) => r.type, card: "title" },
    // An MTM exit always exits and pauses (the API stores it as block): say what it does.
    { key: "action", header: "Action", render: (r) => (r.type === "mtm_exit" ? "Exits, then pauses" : words(r.action)), value: (r) => r.action },
    { key: "scope", header: "Scope", render: (r) => scopeName(names, scopeOf(r)), value: (r) => scopeName(names, scopeOf(r)) },
    { key: "enabled", header: "Enabled", render: (r) => (r.enabled ? "Yes" : "No") },
    // An MTM exit's figures are its day MTM and its nearest threshold (its card has each).
    { key: "value", header: "Now", numeric: true, render: (r) => { const m = mtmOf(r); return m ? signedInr(m.mtm) : figure(r, standing.get(r.id)?.value); } },
    { key: "limit", header: "Limit", numeric: true, render: (r) => figure(r, standing.get(r.id)?.limit) },
    { key: "headroom", header: "Distance to limit", numeric: true,
      render: (r) => {
        const m = mtmOf(r);
        if (!m) return figure(r, standing.get(r.id)?.headroom);
        const d = mtmDistance(m); // the amount, and under it (a phone's card is narrow) to what
        return d ? <Stack gap={0} align="flex-end"><span>{d.amount}</span><Text size="xs" c="dimmed">{d.what}</Text></Stack> : "—";
      } },
    {
      key: "used", header: "Used", numeric: true,
      render: (r) => {
        const st = standing.get(r.id);
        if (!st) return "—";
        return (
          <Group gap={4} justify="flex-end" wrap="nowrap">
            {pct(st.utilisation_pct)}
            {st.breached ? <Badge color="red" size="xs">breached</Badge> : st.near_limit ? <Badge color="yellow" c="black" size="xs">near</Badge> : null}
          </Group>
        );
      },
    },
  ];
  const eventColumns: Column<RiskEvent>[] = [
    { key: "at", header: "When (IST)", render: (e) => istDateTime(e.at), value: (e) => e.at },
    { key: "rule", header: "Rule", render: (e) => ruleLabel(e.rule_type), card: "title" },
    { key: "action", header: "Action", render: (e) => (e.rule_type === "mtm_exit" ? "Exits, then pauses" : words(e.action)) },
    { key: "order", header: "Order", render: (e) => (e.rule_type === "mtm_exit" ? "Every open position exited" : `${e.side} ${e.quantity} ${instrumentLabel(e.symbol)}`), card: "title" },
    { key: "message", header: "Why", render: (e) => e.message },
  ];

  return (
    <>
      <PageTitle actions={<KillSwitch on={s.kill_switch} />}>Risk</PageTitle>
      {liveAllowed && (
        <Group mb="sm" gap="sm">
          <SegmentedControl
            aria-label="Book"
            value={book}
            onChange={(v) => setChosen(v as Book)}
            data={[
              { value: "paper", label: "Paper book" },
              { value: "live", label: "Live book" },
            ]}
          />
          <Text size="sm" c="dimmed">
            {book === "live" ? "Your brokers' funds and the live orders we keep." : "The paper account."}
          </Text>
        </Group>
      )}
      {s.capital_unknown && (
        <Notice color="yellow" mb="sm" title="Capital unknown">
          {s.capital_unknown}. Rules in % of capital refuse live entries until the broker reports its funds.
        </Notice>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4 }} mb="md">
        <Paper withBorder p="sm"><Text size="xs" c="dimmed">Capital</Text><Money value={s.capital} /></Paper>
        <Paper withBorder p="sm"><Text size="xs" c="dimmed">P&amp;L today</Text><Text className={`num ${toneOf(s.pnl_today.total)}`} ta="left">{signedInr(s.pnl_today.total)}</Text></Paper>
        <Paper withBorder p="sm"><Text size="xs" c="dimmed">Exposure</Text><Money value={s.exposure.total} /></Paper>
        <Paper withBorder p="sm"><Text size="xs" c="dimmed">Open positions</Text><Text className="num" ta="left">{s.open_positions}</Text></Paper>
      </SimpleGrid>
      {s.rules.some((r) => r.mtm) && (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} mb="md">
          {s.rules.filter((r) => r.mtm).map((r) => (
            <MtmCard key={r.rule_id} rule={r} mtm={r.mtm as MtmState} trail={rules.data.find((x) => x.id === r.rule_id)?.trail_amount ?? null}
              scope={scopeName(names, scopeOf({ portfolio_id: r.portfolio_id, strategy_run_id: r.strategy_run_id, book: r.book }))} />
          ))}
        </SimpleGrid>
      )}
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">Rules</Title>
        <Button size="sm" onClick={() => setEditing("new")}>New rule</Button>
      </Group>
      <DataTable caption="Risk rules" columns={columns} rows={rules.data} rowKey={(r) => r.id} phoneCards
        empty="No rules yet: entries are checked against none."
        rowActions={(r) => (
          <Group gap={4} wrap="nowrap">
            <Button size="compact-xs" variant="default" aria-label={`Edit ${ruleLabel(r.type)} rule ${r.id}`} onClick={() => setEditing(r)}>Edit</Button>
            <Button size="compact-xs" variant="default" aria-label={`Delete ${ruleLabel(r.type)} rule ${r.id}`} onClick={() => setDeleting(r)}>Delete</Button>
          </Group>
        )} />
      <Title order={2} size="h4" mt="lg" mb="xs">Events</Title>
      <DataTable caption="Risk events" columns={eventColumns} rows={events.data ?? []} rowKey={(e) => e.id} phoneCards
        empty="No entry has been refused or warned about." />
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? "New risk rule" : "Edit risk rule"}>
        {editing !== null && <RuleForm rule={editing === "new" ? undefined : editing} names={names} onClose={() => setEditing(null)} />}
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete this rule?">
        {deleting && (
          <Stack gap="sm">
            <Text size="sm">{ruleLabel(deleting.type)}, limit {figure(deleting, deleting.threshold_amount ?? deleting.threshold_pct ?? deleting.threshold_count)}. Entries will no longer be checked against it.</Text>
            {remove.error && <Alert color="red">{remove.error.message}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>Cancel</Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting.id)}>Delete rule</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
