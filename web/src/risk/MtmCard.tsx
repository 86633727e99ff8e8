// One MTM exit on the risk page: the day's MTM of its scope (an account, a portfolio, a
// worker run, the manual book or a live broker's) against each threshold, and its resume.
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type components } from "@/api/client";
import { unwrap } from "@/api/errors";
import { direction, inr, istDateTime, signedInr } from "@/format";

type RuleState = components["schemas"]["RuleStateOut"];

/** Direction colour for P&L, in shades that pass WCAG AA on this page's cards. */
function toneOf(value: string | number): string {
  const dir = direction(value);
  return dir === "flat" ? "" : `mw-${dir}`;
}

export type MtmState = components["schemas"]["MtmStateOut"];

/** Where the day MTM is shown too: a live portfolio's or run's part of its broker's book
 * (``live:kite/run:5``) is its own trades there, which no other page adds up. */
function whose(book: string): string {
  const cut = book.indexOf("/");
  if (book.startsWith("live:") && cut > 0) {
    const broker = book.slice("live:".length, cut);
    return `its own trades at ${broker.charAt(0).toUpperCase()}${broker.slice(1)}`;
  }
  return book.startsWith("live:") ? "as on Positions" : "as on Positions and Funds";
}

/** One MTM exit: the day's MTM of its scope against each threshold, and its resume button. */
/** The MTM exit's nearest threshold, for the rules table's distance column (which showed
 * "—" for it): ₹680.60 "to the loss exit". Null when it watches none today. */
export function mtmDistance(mtm: MtmState): { amount: string; what: string } | null {
  const near = [
    { to: mtm.to_stop, what: "to the loss exit" },
    { to: mtm.trail_floor === null ? mtm.to_target : null, what: "to the target" },
    { to: mtm.to_trail, what: "above the trailing floor" },
  ].filter((d): d is { to: string; what: string } => d.to !== null && d.to !== undefined);
  if (mtm.paused || near.length === 0) return null;
  const nearest = near.reduce((a, b) => (Number(b.to) < Number(a.to) ? b : a));
  return { amount: inr(nearest.to), what: nearest.what };
}

/** `trail`: the rule's trail from the peak (₹), said before the target arms its floor, so
 * a trader sees the trail is set (the state carries only the armed floor). */
export function MtmCard({ rule, mtm, scope, trail = null }: { rule: RuleState; mtm: MtmState; scope: string; trail?: string | null }) {
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const resume = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/risk/rules/{rule_id}/resume", { params: { path: { rule_id: rule.rule_id } } })),
    onSuccess: async () => {
      setAsking(false);
      await client.invalidateQueries({ queryKey: ["risk"] });
    },
  });
  const line = (label: string, at: string | null | undefined, distance: string | null | undefined, what: string) =>
    at === null || at === undefined ? null : (
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm">{label} <span className="num">{signedInr(at)}</span></Text>
        <Text size="sm" c="dimmed" ta="right">{distance === null || distance === undefined ? "" : `${inr(distance)} ${what}`}</Text>
      </Group>
    );
  // dark shades: white text on them passes WCAG AA
  const status = mtm.paused ? <Badge color="red.9">Exited · entries paused</Badge>
    : mtm.quiet_today ? <Badge color="gray.7">Resumed · watches again tomorrow</Badge>
    : <Badge color="teal.9">Watching</Badge>;
  return (
    <Paper withBorder p="sm" aria-label={`MTM exit: ${scope}`}>
      <Group justify="space-between" mb={4} wrap="wrap" gap="xs">
        <Text fw={600} size="sm">MTM exit · {scope}</Text>
        {status}
      </Group>
      <Text size="xs" c="dimmed">Day MTM ({whose(mtm.book)})</Text>
      <Text className={`num ${toneOf(mtm.mtm)}`} fw={600} ta="left">{signedInr(mtm.mtm)}</Text>
      <Text size="xs" c="dimmed" mb={4}>Peak today {signedInr(mtm.peak)}</Text>
      <Stack gap={2}>
        {line("Loss exit at", mtm.stop_at, mtm.to_stop, "to go")}
        {line(mtm.trail_floor === null ? "Target at" : "Target reached at", mtm.target_at, mtm.to_target, "to go")}
        {mtm.trail_floor === null && trail !== null && mtm.target_at !== null && mtm.target_at !== undefined && (
          <Text size="xs" c="dimmed">then trails {inr(trail)} under the day's peak</Text>
        )}
        {line("Trailing floor", mtm.trail_floor, mtm.to_trail, "above it")}
      </Stack>
      {mtm.trip_reason && <Text size="xs" mt={4}>Last exit: {mtm.trip_reason}{mtm.tripped_at ? ` (${istDateTime(mtm.tripped_at)})` : ""}</Text>}
      {mtm.paused && (
        <Button mt="xs" size="xs" onClick={() => setAsking(true)} aria-label={`Resume entries: ${scope}`}>Resume entries</Button>
      )}
      <Modal opened={asking} onClose={() => setAsking(false)} title="Resume entries?">
        <Text size="sm" mb="md">New entries in {scope} will be allowed again. This rule watches again from the next trading day.</Text>
        {resume.error && <Alert color="red" mb="sm">{resume.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Cancel</Button>
          <Button loading={resume.isPending} onClick={() => resume.mutate()}>Resume entries</Button>
        </Group>
      </Modal>
    </Paper>
  );
}
