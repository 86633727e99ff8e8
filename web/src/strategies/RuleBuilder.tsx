// The visual rule builder: every part of a strategy document as controls, each editing one
// value at its JSON path (so what is not touched stays byte for byte as it was).
import { ActionIcon, Button, Card, Chip, Group, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from "react";
import { changeConditionKind, getAt, type Json, newCompare, newCross, newOperand, ownsError, type Path, pathText, removeAt, appendAt, setAt } from "./docEdit";
import type { SchemaIssue } from "./schemaCheck";
import { condition as conditionWords } from "./sentence";
import { indicatorName, isIndicatorName } from "@/format";
import { CloseIcon } from "@/components/icons";

interface Builder {
  doc: Json;
  edit: (path: Path, value: Json | undefined) => void;
  replace: (doc: Json) => void;
  issues: SchemaIssue[];
  /** The server's 422: the node it names is highlighted and scrolled to. */
  serverIssue: SchemaIssue | null;
  readOnly: boolean;
  labels: Record<string, string[]>;
  presets: string[];
  indicators: string[];
}

const Ctx = createContext<Builder | null>(null);
const useBuilder = () => useContext(Ctx) as Builder;

/** The message for a field or node at `path` (the server's first, then the live check's). */
function issueAt(b: Builder, path: string, own = false): string | undefined {
  const match = (i: SchemaIssue) => (own ? ownsError(path, i.path) : i.path === path);
  if (b.serverIssue && match(b.serverIssue)) return b.serverIssue.message;
  return b.issues.find(match)?.message;
}

/** Turns what was typed into a number when it is one (else the text, for the check to name). */
function numberOrText(text: string): Json {
  const t = text.trim();
  return t !== "" && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : text;
}

function NodeBox({ path, children, label }: { path: string; children: ReactNode; label: string }) {
  const b = useBuilder();
  const server = b.serverIssue && ownsError(path, b.serverIssue.path) ? b.serverIssue : null;
  const local = b.issues.find((i) => ownsError(path, i.path));
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (server) ref.current?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [server]);
  const bad = server ?? local;
  return (
    <Paper ref={ref} withBorder p="xs" role="group" aria-label={label} data-path={path} aria-invalid={bad ? true : undefined}
      style={bad ? { borderColor: "var(--mantine-color-red-7)", borderWidth: server ? 2 : 1, background: server ? "var(--mantine-color-red-light)" : undefined } : undefined}>
      {children}
      {server && <Text size="xs" c="red.9" role="alert" mt={4}>The server refused this: {server.message}</Text>}
    </Paper>
  );
}

const KINDS = [
  { value: "compare", label: "Compare" },
  { value: "crosses_above", label: "Crosses above" },
  { value: "crosses_below", label: "Crosses below" },
  { value: "and", label: "All of (and)" },
  { value: "or", label: "Any of (or)" },
  { value: "not", label: "Not" },
];
const OPS = [">", ">=", "<", "<=", "==", "!="].map((o) => ({ value: o, label: { ">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "is", "!=": "is not" }[o] as string }));
const OPERANDS = [
  { value: "indicator", label: "Indicator" },
  { value: "literal", label: "Number or label" },
  { value: "position", label: "Position" },
  { value: "random", label: "Random (0–1)" },
  { value: "add", label: "+ (add)" },
  { value: "sub", label: "− (subtract)" },
  { value: "mul", label: "× (multiply)" },
  { value: "div", label: "÷ (divide)" },
];
const POSITION_FIELDS = [
  { value: "total_bars_held", label: "Days held" },
  { value: "entry_price", label: "Entry price" },
  { value: "unrealized_pct", label: "Unrealised P&L %" },
  { value: "bars_since_addon", label: "Days since the last add-on" },
  { value: "addon_count", label: "Add-ons" },
  { value: "highest_close", label: "Highest close since entry" },
];

/** The operand's indicator, listed by name ("SMA 20", "Bollinger upper (20, 2)"); the
 * identifier is what is stored. One of another period is typed as the DSL writes it
 * ("sma33") and offered by its name. */
function IndicatorPicker({ value, error, onChange }: { value: string; error?: string; onChange: (name: string) => void }) {
  const b = useBuilder();
  const [typed, setTyped] = useState("");
  const wanted = typed.trim().toLowerCase().replace(/\s+/g, "");
  const names = [...new Set([...b.indicators, ...(value ? [value] : []), ...(isIndicatorName(wanted) ? [wanted] : [])])];
  const data = names.map((n) => ({ value: n, label: indicatorName(n) }));
  return (
    <Select size="xs" w={210} label="Indicator" data={data} value={value || null} searchable readOnly={b.readOnly}
      allowDeselect={false} nothingFoundMessage="No such indicator: type one as sma33, rsi9…" error={error}
      onSearchChange={setTyped} onChange={(v) => v && v !== value && onChange(v)}
      filter={({ options, search }) => {
        const q = search.trim().toLowerCase();
        const bare = q.replace(/\s+/g, "");
        return (options as { value: string; label: string }[]).filter(
          (o) => o.label.toLowerCase().includes(q) || o.value.includes(bare),
        );
      }} />
  );
}

function Operand({ path, name, labelsFrom }: { path: Path; name: string; labelsFrom?: string }) {
  const b = useBuilder();
  const node = (getAt(b.doc, path) ?? {}) as Record<string, Json>;
  const p = pathText(path);
  const kind = String(node.type);
  const labels = labelsFrom ? b.labels[labelsFrom] : undefined;
  return (
    <NodeBox path={p} label={name}>
      <Group gap="xs" align="start" wrap="wrap">
        <Select size="xs" w={150} label={name} data={OPERANDS} value={kind} allowDeselect={false} disabled={b.readOnly}
          error={issueAt(b, `${p}.type`)} onChange={(v) => v && v !== kind && b.edit(path, newOperand(v))} />
        {kind === "indicator" && (
          <>
            <IndicatorPicker value={String(node.name ?? "")} error={issueAt(b, `${p}.name`)}
              onChange={(v) => b.edit([...path, "name"], v)} />
            <TextInput size="xs" w={90} label="Days ago" value={node.lag === undefined ? "" : String(node.lag)} readOnly={b.readOnly}
              inputMode="numeric" error={issueAt(b, `${p}.lag`)}
              onChange={(e) => b.edit([...path, "lag"], e.currentTarget.value === "" ? undefined : numberOrText(e.currentTarget.value))} />
          </>
        )}
        {kind === "literal" && (labels ? (
          <Select size="xs" w={170} label="Label" data={labels} value={String(node.value)} allowDeselect={false} disabled={b.readOnly}
            error={issueAt(b, `${p}.value`)} onChange={(v) => v && b.edit([...path, "value"], v)} />
        ) : (
          <TextInput size="xs" w={120} label="Value" value={String(node.value ?? "")} readOnly={b.readOnly} error={issueAt(b, `${p}.value`)}
            onChange={(e) => b.edit([...path, "value"], numberOrText(e.currentTarget.value))} />
        ))}
        {kind === "position" && (
          <Select size="xs" w={220} label="Field" data={POSITION_FIELDS} value={String(node.field)} allowDeselect={false} disabled={b.readOnly}
            error={issueAt(b, `${p}.field`)} onChange={(v) => v && b.edit([...path, "field"], v)} />
        )}
      </Group>
      {["add", "sub", "mul", "div"].includes(kind) && (
        <Stack gap={4} mt={4} pl="md">
          <Operand path={[...path, "left"]} name="Left operand" />
          <Operand path={[...path, "right"]} name="Right operand" />
        </Stack>
      )}
    </NodeBox>
  );
}

/** Which category's labels a literal compared with this operand may take. */
function categoryOf(b: Builder, path: Path): string | undefined {
  const other = getAt(b.doc, path) as Record<string, Json> | undefined;
  return other?.type === "indicator" && String(other.name) in b.labels ? String(other.name) : undefined;
}

export function ConditionNode({ path, name }: { path: Path; name: string }) {
  const b = useBuilder();
  const node = (getAt(b.doc, path) ?? {}) as Record<string, Json>;
  const p = pathText(path);
  const kind = String(node.type);
  const children = Array.isArray(node.conditions) ? node.conditions : [];
  return (
    <NodeBox path={p} label={name}>
      <Group gap="xs" align="end" wrap="wrap" mb={4}>
        <Select size="xs" w={160} label="Condition" data={KINDS} value={kind} allowDeselect={false} disabled={b.readOnly}
          error={issueAt(b, `${p}.type`)} onChange={(v) => v && v !== kind && b.edit(path, changeConditionKind(node, v))} />
        {kind === "compare" && (
          <Select size="xs" w={90} label="Is" data={OPS} value={String(node.op)} allowDeselect={false} disabled={b.readOnly}
            error={issueAt(b, `${p}.op`)} onChange={(v) => v && b.edit([...path, "op"], v)} />
        )}
        <Text size="xs" c="dimmed" style={{ flex: 1, minWidth: 160 }}>{conditionWords(node)}</Text>
      </Group>
      {(kind === "compare" || kind.startsWith("crosses")) && (
        <Stack gap={4}>
          <Operand path={[...path, "left"]} name={`${name}: left`} labelsFrom={categoryOf(b, [...path, "right"])} />
          <Operand path={[...path, "right"]} name={`${name}: right`} labelsFrom={categoryOf(b, [...path, "left"])} />
        </Stack>
      )}
      {kind === "not" && <ConditionNode path={[...path, "condition"]} name={`${name}: not`} />}
      {(kind === "and" || kind === "or") && (
        <Stack gap={4} pl="sm">
          {children.map((_, i) => (
            <Group key={i} gap={4} align="start" wrap="nowrap">
              <div style={{ flex: 1 }}><ConditionNode path={[...path, "conditions", i]} name={`${name}, condition ${i + 1}`} /></div>
              {!b.readOnly && (
                <ActionIcon variant="subtle" color="gray" aria-label={`Remove ${name}, condition ${i + 1}`}
                  onClick={() => b.replace(removeAt(b.doc, [...path, "conditions"], i))}><CloseIcon /></ActionIcon>
              )}
            </Group>
          ))}
          {!b.readOnly && (
            <Group gap="xs">
              <Button size="compact-xs" variant="light" onClick={() => b.replace(appendAt(b.doc, [...path, "conditions"], newCompare()))}>Add a comparison</Button>
              <Button size="compact-xs" variant="light" onClick={() => b.replace(appendAt(b.doc, [...path, "conditions"], newCross()))}>Add a cross</Button>
              <Button size="compact-xs" variant="light" onClick={() => b.replace(appendAt(b.doc, [...path, "conditions"], { type: kind === "and" ? "or" : "and", conditions: [newCompare()] }))}>
                Add a group
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </NodeBox>
  );
}

function NumberField({ path, label, nullable = false, w = 130 }: { path: Path; label: string; nullable?: boolean; w?: number }) {
  const b = useBuilder();
  const value = getAt(b.doc, path);
  return (
    <TextInput size="xs" w={w} label={label} value={value === null || value === undefined ? "" : String(value)} readOnly={b.readOnly}
      inputMode="decimal" placeholder={nullable ? "none" : undefined} error={issueAt(b, pathText(path))}
      onChange={(e) => {
        const t = e.currentTarget.value;
        b.edit(path, t.trim() === "" ? (nullable ? null : undefined) : numberOrText(t));
      }} />
  );
}

function ExitRules() {
  const b = useBuilder();
  const rules = (getAt(b.doc, ["exit_rules"]) as Record<string, Json>[] | undefined) ?? [];
  return (
    <Stack gap="xs">
      {rules.map((rule, i) => {
        const path: Path = ["exit_rules", i];
        const label = `Exit ${i + 1}`;
        return (
          <Card withBorder padding="xs" key={i} component="section" aria-label={`${label}: ${String(rule.name ?? "")}`}>
            <Group gap="xs" align="end" wrap="wrap" mb={4}>
              <TextInput size="xs" w={200} label="Name" value={String(rule.name ?? "")} readOnly={b.readOnly} error={issueAt(b, `exit_rules[${i}].name`)}
                onChange={(e) => b.edit([...path, "name"], e.currentTarget.value)} />
              <NumberField path={[...path, "priority"]} label="Priority (0 first)" w={120} />
              <Switch size="xs" label="Even within the minimum hold" checked={rule.ignore_min_hold === true} disabled={b.readOnly}
                onChange={(e) => b.edit([...path, "ignore_min_hold"], e.currentTarget.checked)} />
              <Switch size="xs" label="At a set price" checked={rule.exit_price !== null && rule.exit_price !== undefined} disabled={b.readOnly}
                onChange={(e) => b.edit([...path, "exit_price"], e.currentTarget.checked ? newOperand("indicator") : null)} />
              {!b.readOnly && (
                <Button size="compact-xs" variant="subtle" color="red.9" onClick={() => b.replace(removeAt(b.doc, ["exit_rules"], i))}
                  aria-label={`Remove exit ${i + 1}`}>Remove</Button>
              )}
            </Group>
            <ConditionNode path={[...path, "condition"]} name={`${label} condition`} />
            {rule.exit_price !== null && rule.exit_price !== undefined && (
              <div style={{ marginTop: 4 }}><Operand path={[...path, "exit_price"]} name={`${label} price`} /></div>
            )}
          </Card>
        );
      })}
      {!b.readOnly && (
        <Button size="xs" variant="light" style={{ alignSelf: "flex-start" }}
          onClick={() => b.replace(appendAt(b.doc, ["exit_rules"], {
            name: `exit_${rules.length + 1}`, priority: rules.length, ignore_min_hold: false, condition: newCompare(), exit_price: null,
          }))}>Add an exit rule</Button>
      )}
    </Stack>
  );
}

function Addons() {
  const b = useBuilder();
  const addon = (getAt(b.doc, ["addon_rules"]) as Record<string, Json> | undefined) ?? {};
  const on = addon.enabled === true;
  return (
    <Stack gap="xs">
      <Switch label="Add to winners or losers" checked={on} disabled={b.readOnly}
        onChange={(e) => {
          let doc = setAt(b.doc, ["addon_rules", "enabled"], e.currentTarget.checked);
          if (e.currentTarget.checked && !addon.condition) doc = setAt(doc, ["addon_rules", "condition"], newCompare());
          b.replace(doc);
        }} />
      {on && (
        <>
          <Group gap="xs">
            <NumberField path={["addon_rules", "max_addons"]} label="At most (times)" />
            <NumberField path={["addon_rules", "size_pct"]} label="Size (% of the first)" />
            <NumberField path={["addon_rules", "min_bars_between"]} label="Days apart, at least" />
          </Group>
          {addon.condition ? <ConditionNode path={["addon_rules", "condition"]} name="Add-on condition" /> : null}
        </>
      )}
    </Stack>
  );
}

function Scoring() {
  const b = useBuilder();
  const items = (getAt(b.doc, ["conviction_scoring"]) as Json[] | undefined) ?? [];
  const chosen = items.filter((i): i is string => typeof i === "string");
  const custom = items.map((item, index) => ({ item, index })).filter(({ item }) => typeof item !== "string");
  return (
    <Stack gap="xs">
      <Text size="sm">Presets rank entry signals when there are more than free slots:</Text>
      <Chip.Group multiple value={chosen} onChange={(next) => {
        if (b.readOnly) return;
        const kept = items.filter((i) => typeof i !== "string" || next.includes(i));
        const added = next.filter((n) => !chosen.includes(n));
        b.edit(["conviction_scoring"], [...kept, ...added]);
      }}>
        <Group gap={6}>{b.presets.map((p) => <Chip key={p} value={p} size="xs" disabled={b.readOnly}>{p.replace(/_/g, " ")}</Chip>)}</Group>
      </Chip.Group>
      {custom.map(({ item, index }) => (
        <Group key={index} gap="xs">
          <Text size="xs" ff="monospace" style={{ flex: 1 }} lineClamp={2}>Custom: {JSON.stringify(item)}</Text>
          {!b.readOnly && <Button size="compact-xs" variant="subtle" color="red.9" onClick={() => b.replace(removeAt(b.doc, ["conviction_scoring"], index))}>Remove</Button>}
        </Group>
      ))}
      <Text size="xs" c="dimmed">Custom items (weighted, bucket, category, when) are edited in the JSON view.</Text>
      {issueAt(b, "conviction_scoring", true) && <Text size="xs" c="red.9">{issueAt(b, "conviction_scoring", true)}</Text>}
    </Stack>
  );
}

function Config() {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      <NumberField path={["config", "min_hold"]} label="Minimum hold (days)" />
      <NumberField path={["config", "max_hold"]} label="Maximum hold (days)" nullable />
      <NumberField path={["config", "atr_stop_mult"]} label="ATR stop (× ATR, 0 off)" />
      <NumberField path={["config", "gap_down_exit_pct"]} label="Gap-down exit (%)" nullable />
      <NumberField path={["config", "entry_buffer_pct"]} label="Entry buffer (%)" />
      <NumberField path={["config", "exit_buffer_pct"]} label="Exit buffer (%)" />
      <NumberField path={["config", "seed"]} label="Random seed" />
    </SimpleGrid>
  );
}

export interface RuleBuilderProps extends Omit<Builder, "edit" | "replace"> {
  onChange: (doc: Json) => void;
}

/** The whole document as controls: entry, exits by priority, add-ons, scoring, config. */
export function RuleBuilder({ onChange, ...rest }: RuleBuilderProps) {
  const builder: Builder = { ...rest, edit: (path, value) => onChange(setAt(rest.doc, path, value)), replace: onChange };
  return (
    <Ctx.Provider value={builder}>
      <Stack gap="md">
        <section aria-label="Entry">
          <Title order={3} size="h6" mb={4}>Buy when</Title>
          <ConditionNode path={["entry_rules"]} name="Entry" />
        </section>
        <section aria-label="Exits">
          <Title order={3} size="h6" mb={4}>Sell when (first true rule by priority)</Title>
          <ExitRules />
        </section>
        <section aria-label="Add-ons">
          <Title order={3} size="h6" mb={4}>Add-ons</Title>
          <Addons />
        </section>
        <section aria-label="Conviction scoring">
          <Title order={3} size="h6" mb={4}>Conviction scoring</Title>
          <Scoring />
        </section>
        <section aria-label="Settings">
          <Title order={3} size="h6" mb={4}>Holding and stops</Title>
          <Config />
        </section>
      </Stack>
    </Ctx.Provider>
  );
}
