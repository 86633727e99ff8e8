import { Alert, Anchor, Badge, Button, Card, Group, List, Loader, Stack, Tabs, Text, Textarea, TextInput } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/errors";
import { problemWords } from "@/api/fieldWords";
import { PageTitle } from "@/components/PageTitle";
import type { Json } from "./docEdit";
import { serialize } from "./docEdit";
import { contradictions } from "./ranges";
import { RuleBuilder } from "./RuleBuilder";
import { SchemaChecker, type SchemaIssue } from "./schemaCheck";
import { strategySentences } from "./sentence";
import {
  createStrategy, forkStrategy, replaceStrategy, type Strategy, strategyKeys, useBlankStrategy, useLibraryAction, useStrategy, useStrategySchema,
} from "./strategyApi";

/** The server's 422 as one issue at the JSON path it names (the first, when several). */
export function serverIssueOf(error: unknown): SchemaIssue | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const [path, message] = Object.entries(error.fields)[0] ?? [];
  return path ? { path, message: message ?? "" } : { path: "", message: error.message };
}

function JsonView({ doc, onChange, readOnly }: { doc: Json; onChange: (doc: Json) => void; readOnly: boolean }) {
  const [text, setText] = useState(() => JSON.stringify(doc, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  return (
    <Stack gap={4}>
      <Textarea aria-label="Strategy JSON" value={text} autosize minRows={16} maxRows={40} readOnly={readOnly}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } }}
        error={bad} onChange={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          try {
            onChange(JSON.parse(next) as Json);
            setBad(null);
          } catch (err) {
            setBad(`Not JSON yet: ${(err as Error).message}`);
          }
        }} />
    </Stack>
  );
}

/** The editor of a saved strategy, or of a new one's draft (`strategy` null: Save creates it). */
function Editor({ strategy, draft }: { strategy: Strategy | null; draft?: Json }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const schema = useStrategySchema();
  const fork = useLibraryAction(forkStrategy);
  const start = (strategy?.document ?? draft ?? {}) as Json;
  const [doc, setDoc] = useState<Json>(() => JSON.parse(JSON.stringify(start)) as Json);
  const [saved, setSaved] = useState(() => serialize(start));
  const [serverIssue, setServerIssue] = useState<SchemaIssue | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<string | null>("builder");
  const readOnly = strategy !== null && !strategy.is_owner;

  const checker = useMemo(() => (schema.data ? new SchemaChecker(schema.data as unknown as Record<string, unknown>) : null), [schema.data]);
  const issues = useMemo(() => (checker ? [...checker.check(doc), ...contradictions(doc)] : []), [checker, doc]);
  const sentences = useMemo(() => {
    try {
      return strategySentences(doc as Record<string, unknown>);
    } catch {
      return ["(the rules cannot be read back until they are complete)"];
    }
  }, [doc]);
  const changed = serialize(doc) !== saved;
  const edit = (next: Json) => {
    setDoc(next);
    setServerIssue(null);
  };

  useEffect(() => {
    if (!changed) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [changed]);

  const save = async () => {
    setBusy(true);
    setMessage(null);
    setServerIssue(null);
    try {
      if (strategy === null) {
        const made = await createStrategy(doc as Record<string, unknown>);
        setSaved(serialize(doc)); // nothing left unsaved: leaving for its page asks nothing
        await client.invalidateQueries({ queryKey: strategyKeys.all });
        navigate(`/strategies/${made.id}/edit`, { replace: true });
        return;
      }
      const out = await replaceStrategy({ id: strategy.id, document: doc as Record<string, unknown> });
      client.setQueryData(strategyKeys.one(strategy.id), out);
      await client.invalidateQueries({ queryKey: strategyKeys.all });
      setDoc(out.document as Json);
      setSaved(serialize(out.document as Json));
      setMessage({ text: `Saved as version ${out.version}.`, ok: true });
    } catch (err) {
      const issue = serverIssueOf(err);
      if (issue) {
        setServerIssue(issue);
        setTab("builder");
      }
      setMessage({ text: err instanceof ApiError ? `Not saved: ${err.message}` : String(err), ok: false });
    } finally {
      setBusy(false);
    }
  };

  const labels = (schema.data?.["x-category-labels"] ?? {}) as Record<string, string[]>;
  const presets = Object.keys(schema.data?.["x-scorer-presets"] ?? {});
  const indicators = ["close", "open", "high", "low", "volume", "sma20", "sma50", "sma200", "ema20", "rsi14", "atr14", "adx14", "high20", "low10",
    "vol_ratio20", "macd_12_26_9", "macd_12_26_9_signal", "bb20_upper", "bb20_lower", ...Object.keys(labels)];
  const name = (doc as Record<string, Json>).name;

  return (
    <>
      <PageTitle actions={
        <Group gap="xs">
          {strategy === null ? (
            <Button onClick={() => void save()} loading={busy}>Create strategy</Button>
          ) : readOnly ? (
            <Button loading={fork.isPending} onClick={() => fork.mutateAsync({ id: strategy.id }).then((made) => navigate(`/strategies/${made.id}/edit`))}>
              Fork to edit
            </Button>
          ) : (
            <Button onClick={() => void save()} loading={busy}>{changed ? "Save" : "Save (no changes)"}</Button>
          )}
          {strategy !== null && <Button variant="default" component={Link} to={`/backtests?strategy=${strategy.id}`}>Backtest</Button>}
        </Group>
      }>{strategy === null ? `New strategy${name ? `: ${String(name)}` : ""}` : `${String(name ?? strategy.name)} · v${strategy.version}`}</PageTitle>
      {strategy === null && (
        <Alert color="blue" variant="light" mb="sm" role="note">
          Name it, then write its first entry condition (“Add a comparison” below); it is saved when you create it.
        </Alert>
      )}
      {readOnly && strategy && <Alert color="gray" mb="sm">{strategy.is_template ? "A template" : "Shared by another user"}: read-only. Fork it to change it.</Alert>}
      {message && (
        <Alert color={message.ok ? "blue" : "red"} role={message.ok ? "status" : "alert"} mb="sm" withCloseButton
          closeButtonLabel="Dismiss" onClose={() => setMessage(null)}>{message.text}</Alert>
      )}
      <Stack gap="md">
        <Card withBorder component="section" aria-label="Reads as">
          <Group justify="space-between" mb={4}>
            <Text fw={600} size="sm">Reads as</Text>
            {checker && (issues.length === 0
              ? <Badge color="blue" variant="light">Valid</Badge>
              : <Badge color="red" variant="light">{issues.length} problem(s)</Badge>)}
          </Group>
          {sentences.map((s, i) => <Text key={i} size="sm">{s}</Text>)}
          {issues.length > 0 && (
            <List size="xs" mt="xs" aria-label="Problems">
              {issues.slice(0, 8).map((i) => <List.Item key={`${i.path}:${i.message}`}>{problemWords(i.path, i.message, i.least)}</List.Item>)}
            </List>
          )}
        </Card>
        <Group grow align="start">
          <TextInput label="Name" value={String(name ?? "")} readOnly={readOnly}
            error={issues.find((i) => i.path === "name")?.message ?? (serverIssue?.path === "name" ? serverIssue.message : undefined)}
            onChange={(e) => edit({ ...(doc as Record<string, Json>), name: e.currentTarget.value })} />
          <TextInput label="Description" value={String((doc as Record<string, Json>).description ?? "")} readOnly={readOnly}
            onChange={(e) => edit({ ...(doc as Record<string, Json>), description: e.currentTarget.value })} />
        </Group>
        <Tabs value={tab} onChange={setTab} keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="builder">Builder</Tabs.Tab>
            <Tabs.Tab value="json">JSON</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="builder" pt="sm">
            {schema.isPending ? <Loader size="sm" aria-label="Loading the rule schema" /> : (
              <RuleBuilder doc={doc} onChange={edit} issues={issues} serverIssue={serverIssue} readOnly={readOnly}
                labels={labels} presets={presets} indicators={[...new Set(indicators)]} />
            )}
          </Tabs.Panel>
          <Tabs.Panel value="json" pt="sm">
            <JsonView doc={doc} onChange={edit} readOnly={readOnly} />
          </Tabs.Panel>
        </Tabs>
        <Text size="xs" c="dimmed">Every indicator the rules may name: <Anchor href="/api/strategies/schema" target="_blank">the rule schema</Anchor>.</Text>
      </Stack>
    </>
  );
}

/** The strategy editor: a visual builder and a JSON view of one document, checked as it
 * changes; at /strategies/new, a blank new strategy's. */
export function Component() {
  const param = useParams().id;
  const id = Number(param);
  const fresh = param === undefined;
  const strategy = useStrategy(!fresh && Number.isInteger(id) && id > 0 ? id : null);
  const blank = useBlankStrategy(fresh);
  if (fresh) {
    if (blank.isPending) return <Loader aria-label="Loading a blank strategy" />;
    if (blank.isError) return <Alert color="red" role="alert">{blank.error.message}</Alert>;
    return <Editor key="new" strategy={null} draft={blank.data as Json} />;
  }
  if (strategy.isPending) return <Loader aria-label="Loading the strategy" />;
  if (strategy.isError) return <Alert color="red" role="alert">{strategy.error.message}</Alert>;
  return <Editor key={`${strategy.data.id}`} strategy={strategy.data} />;
}
