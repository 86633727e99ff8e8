import { jsx as _jsx, jsxs as _jsxs, Fragment as _Fragment } from "react/jsx-runtime";
// Risk: the rules (create, edit, delete), where each stands against its limit today, the
// events the pre-trade check raised, and the kill switch.
import { Alert, Badge, Button, Group, Modal, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageLoader } from "@/components/PageLoader";
import { PageTitle } from "@/components/PageTitle";
import { useMe } from "@/auth/useMe";
import { Notice } from "@/orders/Notice";
import { direction, instrumentLabel, istDateTime, pct, plain, signedInr, words } from "@/format";
import "@/market/market.css";
import { MtmCard } from "./MtmCard";
import { RULE_TYPES, bodyOf, draftOf, ruleLabel, scopeName, scopeOf, scopeOptions } from "./ruleForm";
import { usePortfolios } from "@/portfolios/modelApi";
import { workerKeys } from "@/workers/workerApi";
/** Direction colour for P&L, in shades that pass WCAG AA on this page's cards. */
function toneOf(value) {
    const dir = direction(value);
    return dir === "flat" ? "" : `mw-${dir}`;
}
function figure(rule, value) {
    if (value === null || value === undefined)
        return "—";
    if (rule.type === "max_open_positions")
        return String(value);
    return plain(value);
}
function RuleForm({ rule, names, onClose }) {
    const client = useQueryClient();
    const [draft, setDraft] = useState(() => draftOf(rule));
    const save = useMutation({
        mutationFn: async () => {
            const body = bodyOf(draft);
            if (rule)
                return unwrap(await api.PUT("/api/risk/rules/{rule_id}", { params: { path: { rule_id: rule.id } }, body }));
            return unwrap(await api.POST("/api/risk/rules", { body }));
        },
        onSuccess: async () => {
            await client.invalidateQueries({ queryKey: ["risk"] });
            onClose();
        },
    });
    const fields = RULE_TYPES.find((t) => t.value === draft.type)?.fields ?? [];
    const errors = save.error instanceof ApiError ? save.error.fields : {};
    const set = (patch) => setDraft((d) => ({ ...d, ...patch }));
    const known = new Set(["type", "action", "enabled", "threshold_amount", "threshold_pct", "threshold_count", "portfolio_id", "strategy_run_id", "worker_run_id", "target_amount", "trail_amount"]);
    const general = save.error && !Object.keys(errors).some((f) => known.has(f)) ? save.error.message : null;
    return (_jsx("form", { onSubmit: (e) => { e.preventDefault(); save.mutate(); }, children: _jsxs(Stack, { gap: "sm", children: [_jsx(Select, { label: "Rule type", data: RULE_TYPES.map((t) => ({ value: t.value, label: t.label })), value: draft.type, allowDeselect: false, onChange: (v) => v && set({ type: v }), error: errors.type }), draft.type !== "mtm_exit" && _jsx(Select, { label: "Action", data: [{ value: "block", label: "Block the entry" }, { value: "warn", label: "Warn only" }], value: draft.action, allowDeselect: false, onChange: (v) => v && set({ action: v }), error: errors.action }), fields.includes("threshold_amount") && (_jsx(TextInput, { label: draft.type === "mtm_exit" ? "Exit at a day loss of (₹)" : "Limit (₹)", inputMode: "decimal", value: draft.threshold_amount, onChange: (e) => set({ threshold_amount: e.currentTarget.value }), error: errors.threshold_amount })), fields.includes("threshold_pct") && (_jsx(TextInput, { label: "Limit (% of capital)", inputMode: "decimal", value: draft.threshold_pct, onChange: (e) => set({ threshold_pct: e.currentTarget.value }), error: errors.threshold_pct })), fields.includes("target_amount") && (_jsx(TextInput, { label: "Exit at a day profit of (\u20B9)", inputMode: "decimal", value: draft.target_amount, description: "Leave blank for a loss exit only", onChange: (e) => set({ target_amount: e.currentTarget.value }), error: errors.target_amount })), fields.includes("trail_amount") && (_jsx(TextInput, { label: "Trail from the peak (\u20B9)", inputMode: "decimal", value: draft.trail_amount, description: "With a target: reaching it arms a floor this far under the day's best MTM, which exits instead", onChange: (e) => set({ trail_amount: e.currentTarget.value }), error: errors.trail_amount })), fields.includes("threshold_count") && (_jsx(NumberInput, { label: "Limit (positions)", allowDecimal: false, min: 1, value: draft.threshold_count, onChange: (v) => set({ threshold_count: String(v) }), error: errors.threshold_count })), _jsx(Select, { label: "Applies to", description: "The whole account, or one of your model portfolios or worker runs", data: scopeOptions(names, draft.scope, draft.type === "mtm_exit"), value: draft.scope, allowDeselect: false, searchable: true, onChange: (v) => v !== null && set({ scope: v }), error: errors.portfolio_id ?? errors.strategy_run_id ?? errors.worker_run_id }), _jsx(Switch, { label: "Enabled", checked: draft.enabled, onChange: (e) => set({ enabled: e.currentTarget.checked }) }), general && _jsx(Alert, { color: "red", role: "alert", children: general }), _jsxs(Group, { justify: "flex-end", children: [_jsx(Button, { variant: "default", onClick: onClose, children: "Cancel" }), _jsx(Button, { type: "submit", loading: save.isPending, children: rule ? "Save rule" : "Create rule" })] })] }) }));
}
function KillSwitch({ on }) {
    const client = useQueryClient();
    const [asking, setAsking] = useState(false);
    const flip = useMutation({
        mutationFn: async () => unwrap(await api.POST("/api/risk/kill-switch", { body: { on: !on } })),
        onSuccess: async () => {
            setAsking(false);
            await client.invalidateQueries({ queryKey: ["risk"] });
        },
    });
    return (_jsxs(_Fragment, { children: [_jsxs(Group, { gap: "sm", children: [_jsx(Badge, { color: on ? "red" : "gray", size: "lg", "aria-label": "Kill switch state", children: on ? "Kill switch ON" : "Kill switch off" }), _jsx(Button, { color: on ? "gray" : "red", variant: on ? "default" : "filled", onClick: () => setAsking(true), children: on ? "Turn kill switch off" : "Turn kill switch on" })] }), _jsxs(Modal, { opened: asking, onClose: () => setAsking(false), title: on ? "Turn the kill switch off?" : "Turn the kill switch on?", children: [_jsx(Text, { size: "sm", mb: "md", children: on ? "New entries will be allowed again, subject to your other rules."
                            : "Every new entry order will be refused until you turn it off. Exits still go through." }), flip.error && _jsx(Alert, { color: "red", mb: "sm", children: flip.error.message }), _jsxs(Group, { justify: "flex-end", children: [_jsx(Button, { variant: "default", onClick: () => setAsking(false), children: "Cancel" }), _jsx(Button, { color: on ? "blue" : "red", loading: flip.isPending, onClick: () => flip.mutate(), children: on ? "Yes, turn it off" : "Yes, stop new entries" })] })] })] }));
}
export function Component() {
    const client = useQueryClient();
    const rules = useQuery({ queryKey: ["risk", "rules"], queryFn: async () => unwrap(await api.GET("/api/risk/rules")) });
    // With live trading on, the same rules also stand against the live book (what the user's
    // brokers hold and report); the page shows one book at a time.
    const liveAllowed = useMe().data?.live_trading_enabled ?? false;
    const [chosen, setChosen] = useState("paper");
    const book = liveAllowed ? chosen : "paper";
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
    const names = {
        portfolios: [...(active.data ?? []), ...(retired.data ?? [])],
        runs: runs.data ?? [],
    };
    const [editing, setEditing] = useState(null);
    const [deleting, setDeleting] = useState(null);
    const remove = useMutation({
        mutationFn: async (id) => unwrap(await api.DELETE("/api/risk/rules/{rule_id}", { params: { path: { rule_id: id } } })),
        onSuccess: async () => {
            setDeleting(null);
            await client.invalidateQueries({ queryKey: ["risk"] });
        },
    });
    if (rules.isPending || state.isPending)
        return _jsx(PageLoader, {});
    if (rules.error || state.error)
        return _jsx(Alert, { color: "red", children: (rules.error ?? state.error)?.message });
    const s = state.data;
    const standing = new Map(s.rules.map((r) => [r.rule_id, r]));
    const columns = [
        { key: "type", header: "Rule", render: (r) => ruleLabel(r.type), value: (r) => r.type, card: "title" },
        { key: "action", header: "Action", render: (r) => words(r.action), value: (r) => r.action },
        { key: "scope", header: "Scope", render: (r) => scopeName(names, scopeOf(r)), value: (r) => scopeName(names, scopeOf(r)) },
        { key: "enabled", header: "Enabled", render: (r) => (r.enabled ? "Yes" : "No") },
        { key: "value", header: "Now", numeric: true, render: (r) => figure(r, standing.get(r.id)?.value) },
        { key: "limit", header: "Limit", numeric: true, render: (r) => figure(r, standing.get(r.id)?.limit) },
        { key: "headroom", header: "Distance to limit", numeric: true, render: (r) => figure(r, standing.get(r.id)?.headroom) },
        {
            key: "used", header: "Used", numeric: true,
            render: (r) => {
                const st = standing.get(r.id);
                if (!st)
                    return "—";
                return (_jsxs(Group, { gap: 4, justify: "flex-end", wrap: "nowrap", children: [pct(st.utilisation_pct), st.breached ? _jsx(Badge, { color: "red", size: "xs", children: "breached" }) : st.near_limit ? _jsx(Badge, { color: "yellow", c: "black", size: "xs", children: "near" }) : null] }));
            },
        },
    ];
    const eventColumns = [
        { key: "at", header: "When (IST)", render: (e) => istDateTime(e.at), value: (e) => e.at },
        { key: "rule", header: "Rule", render: (e) => ruleLabel(e.rule_type), card: "title" },
        { key: "action", header: "Action", render: (e) => words(e.action) },
        { key: "order", header: "Order", render: (e) => (e.rule_type === "mtm_exit" ? "Every open position exited" : `${e.side} ${e.quantity} ${instrumentLabel(e.symbol)}`), card: "title" },
        { key: "message", header: "Why", render: (e) => e.message },
    ];
    return (_jsxs(_Fragment, { children: [_jsx(PageTitle, { actions: _jsx(KillSwitch, { on: s.kill_switch }), children: "Risk" }), liveAllowed && (_jsxs(Group, { mb: "sm", gap: "sm", children: [_jsx(SegmentedControl, { "aria-label": "Book", value: book, onChange: (v) => setChosen(v), data: [
                            { value: "paper", label: "Paper book" },
                            { value: "live", label: "Live book" },
                        ] }), _jsx(Text, { size: "sm", c: "dimmed", children: book === "live" ? "Your brokers' funds and the live orders we keep." : "The paper account." })] })), s.capital_unknown && (_jsxs(Notice, { color: "yellow", mb: "sm", title: "Capital unknown", children: [s.capital_unknown, ". Rules in % of capital refuse live entries until the broker reports its funds."] })), _jsxs(SimpleGrid, { cols: { base: 2, sm: 4 }, mb: "md", children: [_jsxs(Paper, { withBorder: true, p: "sm", children: [_jsx(Text, { size: "xs", c: "dimmed", children: "Capital" }), _jsx(Money, { value: s.capital })] }), _jsxs(Paper, { withBorder: true, p: "sm", children: [_jsx(Text, { size: "xs", c: "dimmed", children: "P&L today" }), _jsx(Text, { className: `num ${toneOf(s.pnl_today.total)}`, ta: "left", children: signedInr(s.pnl_today.total) })] }), _jsxs(Paper, { withBorder: true, p: "sm", children: [_jsx(Text, { size: "xs", c: "dimmed", children: "Exposure" }), _jsx(Money, { value: s.exposure.total })] }), _jsxs(Paper, { withBorder: true, p: "sm", children: [_jsx(Text, { size: "xs", c: "dimmed", children: "Open positions" }), _jsx(Text, { className: "num", ta: "left", children: s.open_positions })] })] }), s.rules.some((r) => r.mtm) && (_jsx(SimpleGrid, { cols: { base: 1, sm: 2, lg: 3 }, mb: "md", children: s.rules.filter((r) => r.mtm).map((r) => (_jsx(MtmCard, { rule: r, mtm: r.mtm, scope: scopeName(names, scopeOf({ portfolio_id: r.portfolio_id, strategy_run_id: r.strategy_run_id, book: r.book })) }, r.rule_id))) })), _jsxs(Group, { justify: "space-between", mb: "xs", children: [_jsx(Title, { order: 2, size: "h4", children: "Rules" }), _jsx(Button, { size: "sm", onClick: () => setEditing("new"), children: "New rule" })] }), _jsx(DataTable, { caption: "Risk rules", columns: columns, rows: rules.data, rowKey: (r) => r.id, phoneCards: true, empty: "No rules yet: entries are checked against none.", rowActions: (r) => (_jsxs(Group, { gap: 4, wrap: "nowrap", children: [_jsx(Button, { size: "compact-xs", variant: "default", "aria-label": `Edit ${ruleLabel(r.type)} rule ${r.id}`, onClick: () => setEditing(r), children: "Edit" }), _jsx(Button, { size: "compact-xs", variant: "default", "aria-label": `Delete ${ruleLabel(r.type)} rule ${r.id}`, onClick: () => setDeleting(r), children: "Delete" })] })) }), _jsx(Title, { order: 2, size: "h4", mt: "lg", mb: "xs", children: "Events" }), _jsx(DataTable, { caption: "Risk events", columns: eventColumns, rows: events.data ?? [], rowKey: (e) => e.id, phoneCards: true, empty: "No entry has been refused or warned about." }), _jsx(Modal, { opened: editing !== null, onClose: () => setEditing(null), title: editing === "new" ? "New risk rule" : "Edit risk rule", children: editing !== null && _jsx(RuleForm, { rule: editing === "new" ? undefined : editing, names: names, onClose: () => setEditing(null) }) }), _jsx(Modal, { opened: deleting !== null, onClose: () => setDeleting(null), title: "Delete this rule?", children: deleting && (_jsxs(Stack, { gap: "sm", children: [_jsxs(Text, { size: "sm", children: [ruleLabel(deleting.type), ", limit ", figure(deleting, deleting.threshold_amount ?? deleting.threshold_pct ?? deleting.threshold_count), ". Entries will no longer be checked against it."] }), remove.error && _jsx(Alert, { color: "red", children: remove.error.message }), _jsxs(Group, { justify: "flex-end", children: [_jsx(Button, { variant: "default", onClick: () => setDeleting(null), children: "Cancel" }), _jsx(Button, { color: "red", loading: remove.isPending, onClick: () => remove.mutate(deleting.id), children: "Delete rule" })] })] })) })] }));
}
