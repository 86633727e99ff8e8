import { Alert, Anchor, Badge, Button, Card, Group, List, Loader, Menu, Modal, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { ApiError } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { istDateTime } from "@/format";
import {
  deleteStrategy, forkStrategy, type InUse, inUseOf, shareStrategy, type Strategy, useLibraryAction, useStrategies,
} from "./strategyApi";
import { VersionDiff } from "./VersionDiff";
import { baseModelName, ruleCounts, sectionOf } from "./words";

type Say = (text: string, ok: boolean) => void;

function Actions({ s, onVersions, onInUse, say }: { s: Strategy; onVersions: () => void; onInUse: (u: InUse) => void; say: Say }) {
  const navigate = useNavigate();
  const fork = useLibraryAction(forkStrategy);
  const share = useLibraryAction(shareStrategy);
  const remove = useLibraryAction(deleteStrategy);
  const fail = (e: unknown) => say(e instanceof ApiError ? e.message : String(e), false);
  return (
    <Group gap={4} wrap="nowrap">
      <Button size="xs" variant="default" component={Link} to={`/backtests?strategy=${s.id}`} aria-label={`Backtest ${s.name}`}>
        Backtest
      </Button>
      <Button size="xs" variant="default" loading={fork.isPending} aria-label={`Fork ${s.name}`}
        onClick={() => fork.mutateAsync({ id: s.id }).then((made) => say(`Forked ${s.name} as “${made.name}”.`, true), fail)}>
        Fork
      </Button>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size="xs" variant="subtle" aria-label={`More for ${s.name}`}>More</Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => navigate(`/strategies/${s.id}/edit`)}>{s.is_owner ? "Edit" : "Open in the builder"}</Menu.Item>
          <Menu.Item onClick={onVersions}>Versions</Menu.Item>
          {s.is_owner && (
            <Menu.Item onClick={() => share.mutateAsync({ id: s.id, isPublic: !s.is_public })
              .then((r) => say(r.is_public ? `${s.name} is public: others can see and fork it.` : `${s.name} is private again.`, true), fail)}>
              {s.is_public ? "Make private" : "Share publicly"}
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      {s.is_owner && (
        <ConfirmButton size="xs" variant="outline" color="red.9" label={`Delete ${s.name}`} title={`Delete ${s.name}?`} danger confirm="Delete"
          body={<Text>Deletes the strategy and its {s.version} saved version(s). Backtests of it keep their copy of the rules.</Text>}
          onConfirm={async () => {
            try {
              await remove.mutateAsync(s.id);
              say(`Deleted ${s.name}.`, true);
            } catch (e) {
              const used = e instanceof ApiError ? inUseOf(e.body) : null;
              if (!used) throw e;
              onInUse(used);
            }
          }}>
          Delete
        </ConfirmButton>
      )}
    </Group>
  );
}

function InUseDialog({ name, used, onClose }: { name: string; used: InUse; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title={`${name} is in use`} centered closeButtonProps={{ "aria-label": "Close" }}>
      <Stack>
        <Text>It cannot be deleted while a portfolio runs it. Retire these first, on the Portfolios page:</Text>
        {used.portfolios.length > 0 && (
          <List>
            {used.portfolios.map((p) => (
              <List.Item key={p.id}>
                <Anchor component={Link} to="/portfolios">{p.name}</Anchor> ({p.status === "paused" ? "paused" : "active"})
              </List.Item>
            ))}
          </List>
        )}
        {used.others > 0 && (
          <Text size="sm">{used.others} portfolio(s) of other users run it too (it is public): make it private to stop new ones; those keep running.</Text>
        )}
        <Group justify="flex-end"><Button onClick={onClose}>OK</Button></Group>
      </Stack>
    </Modal>
  );
}

/** On a phone: one card a strategy, name and version first, then rules and the last run. */
function StrategyCards({ rows, empty, actions }: { rows: Strategy[]; empty: string; actions: (s: Strategy) => React.ReactNode }) {
  if (rows.length === 0) return <Text c="dimmed" size="sm">{empty}</Text>;
  return (
    <Stack gap="xs" role="list">
      {rows.map((s) => (
        <Card key={s.id} withBorder padding="xs" role="listitem" aria-label={s.name}>
          <Group justify="space-between" wrap="nowrap">
            <Anchor component={Link} to={`/strategies/${s.id}/edit`} fw={600}>{s.name}</Anchor>
            <Text size="sm">v{s.version}</Text>
          </Group>
          <Text size="xs" c="dimmed">
            {baseModelName(s.base_model)} · {ruleCounts(s)}{s.last_backtest_id ? ` · last run #${s.last_backtest_id}` : ""}
            {s.is_owner && s.is_public ? " · public" : ""}
          </Text>
          <div style={{ marginTop: 6 }}>{actions(s)}</div>
        </Card>
      ))}
    </Stack>
  );
}

const SECTIONS = [
  { key: "yours", title: "Your strategies", empty: "None yet: start a new strategy, or fork a template." },
  { key: "templates", title: "Templates", empty: "No templates." },
  { key: "public", title: "Shared by others", empty: "Nobody has shared a strategy yet." },
] as const;

/** The strategy library: yours, the V0–V4 templates and public ones; fork, share, delete, versions. */
export function Component() {
  const list = useStrategies();
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const [versionsOf, setVersionsOf] = useState<Strategy | null>(null);
  const [inUse, setInUse] = useState<{ name: string; used: InUse } | null>(null);
  const say: Say = (text, ok) => setMessage({ text, ok });
  const phone = useMediaQuery("(max-width: 36em)");

  const columns: Column<Strategy>[] = [
    {
      key: "name", header: "Name", value: (s) => s.name,
      render: (s) => (
        <div>
          <Anchor component={Link} to={`/strategies/${s.id}/edit`} fz="sm" fw={500}>{s.name}</Anchor>
          {s.is_owner && s.is_public && <Badge size="xs" variant="light" ml={6}>Public</Badge>}
          {s.description && <Text size="xs" c="dimmed" lineClamp={1}>{s.description}</Text>}
        </div>
      ),
    },
    { key: "base", header: "Base model", render: (s) => baseModelName(s.base_model), value: (s) => baseModelName(s.base_model) },
    { key: "version", header: "Version", numeric: true, render: (s) => `v${s.version}`, value: (s) => s.version },
    { key: "rules", header: "Rules", render: (s) => ruleCounts(s), value: (s) => s.entry_rule_count + s.exit_rule_count + s.addon_rule_count },
    {
      key: "backtest", header: "Last backtest", value: (s) => s.last_backtest_id,
      render: (s) => (s.last_backtest_id ? <Anchor component={Link} to={`/backtests/runs/${s.last_backtest_id}`} fz="sm">Run #{s.last_backtest_id}</Anchor> : "—"),
    },
    { key: "updated", header: "Saved", render: (s) => istDateTime(s.updated_at), value: (s) => s.updated_at },
  ];

  return (
    <>
      <PageTitle actions={
        <Group gap="xs">
          <Button component={Link} to="/strategies/new">New strategy</Button>
          <Button component={Link} to="/backtests" variant="default">Backtests</Button>
        </Group>
      }>Strategies</PageTitle>
      {message && (
        <Alert color={message.ok ? "blue" : "red"} role={message.ok ? "status" : "alert"} mb="sm" withCloseButton
          closeButtonLabel="Dismiss" onClose={() => setMessage(null)}>{message.text}</Alert>
      )}
      {list.isPending && <Loader aria-label="Loading strategies" />}
      {list.isError && <Alert color="red" role="alert">{list.error.message}</Alert>}
      {list.data && (
        <Stack gap="lg">
          {SECTIONS.map((section) => (
            <Card withBorder key={section.key} component="section" aria-label={section.title}>
              <Title order={2} size="h5" mb="xs">{section.title}</Title>
              {phone ? (
                <StrategyCards rows={list.data.filter((s) => sectionOf(s) === section.key)} empty={section.empty}
                  actions={(s) => <Actions s={s} say={say} onVersions={() => setVersionsOf(s)}
                    onInUse={(used) => setInUse({ name: s.name, used })} />} />
              ) : (
                <DataTable caption={section.title} columns={columns} rowKey={(s) => s.id} empty={section.empty}
                  rows={list.data.filter((s) => sectionOf(s) === section.key)}
                  rowActions={(s) => <Actions s={s} say={say} onVersions={() => setVersionsOf(s)}
                    onInUse={(used) => setInUse({ name: s.name, used })} />} />
              )}
            </Card>
          ))}
          {versionsOf && (
            <Card withBorder component="section" aria-label={`Versions of ${versionsOf.name}`}>
              <Group justify="space-between" mb="xs">
                <Title order={2} size="h5">Versions of {versionsOf.name}</Title>
                <Button size="xs" variant="subtle" onClick={() => setVersionsOf(null)}>Close</Button>
              </Group>
              <VersionDiff key={versionsOf.id} strategy={versionsOf} />
            </Card>
          )}
        </Stack>
      )}
      {inUse && <InUseDialog name={inUse.name} used={inUse.used} onClose={() => setInUse(null)} />}
    </>
  );
}
