import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
// One MTM exit on the risk page: the day's MTM of its scope (an account, a portfolio, a
// worker run, the manual book or a live broker's) against each threshold, and its resume.
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { direction, inr, istDateTime, signedInr } from "@/format";
/** Direction colour for P&L, in shades that pass WCAG AA on this page's cards. */
function toneOf(value) {
    const dir = direction(value);
    return dir === "flat" ? "" : `mw-${dir}`;
}
/** One MTM exit: the day's MTM of its scope against each threshold, and its resume button. */
export function MtmCard({ rule, mtm, scope }) {
    const client = useQueryClient();
    const [asking, setAsking] = useState(false);
    const resume = useMutation({
        mutationFn: async () => unwrap(await api.POST("/api/risk/rules/{rule_id}/resume", { params: { path: { rule_id: rule.rule_id } } })),
        onSuccess: async () => {
            setAsking(false);
            await client.invalidateQueries({ queryKey: ["risk"] });
        },
    });
    const line = (label, at, distance, what) => at === null || at === undefined ? null : (_jsxs(Group, { justify: "space-between", gap: "xs", wrap: "nowrap", children: [_jsxs(Text, { size: "sm", children: [label, " ", _jsx("span", { className: "num", children: signedInr(at) })] }), _jsx(Text, { size: "sm", c: "dimmed", ta: "right", children: distance === null || distance === undefined ? "" : `${inr(distance)} ${what}` })] }));
    // dark shades: white text on them passes WCAG AA
    const status = mtm.paused ? _jsx(Badge, { color: "red.9", children: "Exited \u00B7 entries paused" })
        : mtm.quiet_today ? _jsx(Badge, { color: "gray.7", children: "Resumed \u00B7 watches again tomorrow" })
            : _jsx(Badge, { color: "teal.9", children: "Watching" });
    return (_jsxs(Paper, { withBorder: true, p: "sm", "aria-label": `MTM exit: ${scope}`, children: [_jsxs(Group, { justify: "space-between", mb: 4, wrap: "wrap", gap: "xs", children: [_jsxs(Text, { fw: 600, size: "sm", children: ["MTM exit \u00B7 ", scope] }), status] }), _jsxs(Text, { size: "xs", c: "dimmed", children: ["Day MTM (as on Positions", mtm.book.startsWith("live:") ? "" : " and Funds", ")"] }), _jsx(Text, { className: `num ${toneOf(mtm.mtm)}`, fw: 600, ta: "left", children: signedInr(mtm.mtm) }), _jsxs(Text, { size: "xs", c: "dimmed", mb: 4, children: ["Peak today ", signedInr(mtm.peak)] }), _jsxs(Stack, { gap: 2, children: [line("Loss exit at", mtm.stop_at, mtm.to_stop, "to go"), line(mtm.trail_floor === null ? "Target at" : "Target reached at", mtm.target_at, mtm.to_target, "to go"), line("Trailing floor", mtm.trail_floor, mtm.to_trail, "above it")] }), mtm.trip_reason && _jsxs(Text, { size: "xs", mt: 4, children: ["Last exit: ", mtm.trip_reason, mtm.tripped_at ? ` (${istDateTime(mtm.tripped_at)})` : ""] }), mtm.paused && (_jsx(Button, { mt: "xs", size: "xs", onClick: () => setAsking(true), "aria-label": `Resume entries: ${scope}`, children: "Resume entries" })), _jsxs(Modal, { opened: asking, onClose: () => setAsking(false), title: "Resume entries?", children: [_jsxs(Text, { size: "sm", mb: "md", children: ["New entries in ", scope, " will be allowed again. This rule watches again from the next trading day."] }), resume.error && _jsx(Alert, { color: "red", mb: "sm", children: resume.error.message }), _jsxs(Group, { justify: "flex-end", children: [_jsx(Button, { variant: "default", onClick: () => setAsking(false), children: "Cancel" }), _jsx(Button, { loading: resume.isPending, onClick: () => resume.mutate(), children: "Resume entries" })] })] })] }));
}
