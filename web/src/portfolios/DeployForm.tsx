import { Alert, Anchor, Button, Group, Radio, Select, SimpleGrid, Stack, Switch, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { brokerName, lastSeen } from "@/settings/agentStatus";
import { agentBrokers, useBrokerFacts } from "@/settings/brokerFacts";
import { useAgentStatus } from "@/settings/tradingAgentApi";
import { PlacementSelect } from "./AgentPlacementChoice";
import { type DeployValues, type Executor, initialDeploy, withExecutor } from "./deployForm";
import type { Portfolio } from "./modelApi";
import { useDeploy } from "./useDeploy";

const FILLS = [
  { value: "gtt", label: "GTT (fills when the trigger is hit)" },
  { value: "close", label: "At the signal day's close" },
  { value: "next_open", label: "At the next open" },
];

/** Who places the orders, with when the user's agent last polled beside the choice. */
function ExecutorChoice({ value, onChange, error }: { value: Executor; onChange: (e: Executor) => void; error?: string }) {
  const status = useAgentStatus();
  const agents = status.data?.agents ?? [];
  const seen = status.data && (
    <span data-testid="agent-last-seen">
      {lastSeen(agents)}
      {agents.length === 0 && (
        <>: set one up in <Anchor component={Link} to="/settings/agent" inherit underline="always">Settings → Trading agent</Anchor></>
      )}
    </span>
  );
  return (
    <Radio.Group label="Who places the orders" description={seen} value={value} onChange={(v) => onChange(v as Executor)} error={error}>
      <Group gap="xl" mt={6} align="flex-start" wrap="wrap">
        <Radio value="server" label="Server" description="TraderTape places them: on paper, or live at Kite" />
        <Radio value="agent" label="Agent" description="Your local agent places them at your broker, from your machine" />
      </Group>
    </Radio.Group>
  );
}

/** Deploy a strategy (its current version is pinned) with capital and every guardrail. */
export function DeployForm({ onDeployed }: { onDeployed: (p: Portfolio) => void }) {
  const [values, setValues] = useState<DeployValues>(initialDeploy);
  const facts = useBrokerFacts().data;
  const brokers = ["paper", ...(facts ?? []).map((row) => row.name)];
  const atAgent = agentBrokers(facts);
  const { deploy, fields, error, busy } = useDeploy((made) => {
    setValues(initialDeploy);
    onDeployed(made);
  });
  const strategies = useQuery({
    queryKey: ["strategies", "deployable"],
    queryFn: async () => unwrap(await api.GET("/api/strategies", { params: { query: { limit: 200 } } })),
  });
  const universes = useQuery({
    queryKey: ["universes"],
    queryFn: async () => unwrap(await api.GET("/api/universes")),
  });
  const set = <K extends keyof DeployValues>(key: K, value: DeployValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));
  const chosen = strategies.data?.find((s) => String(s.id) === values.strategy_id);
  const agent = values.executor === "agent";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void deploy(values);
  };

  const text = (key: keyof DeployValues, label: string, description?: string) => (
    <TextInput label={label} description={description} value={values[key] as string}
      onChange={(e) => set(key, e.currentTarget.value)} error={fields[key]} inputMode={key === "name" ? "text" : "decimal"} />
  );

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Deploy a portfolio" noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm">
          <Select label="Strategy" required searchable placeholder="Pick a strategy"
            data={(strategies.data ?? []).map((s) => ({ value: String(s.id), label: `${s.name} (v${s.version})` }))}
            value={values.strategy_id || null} onChange={(v) => set("strategy_id", v ?? "")}
            error={fields.strategy_id} />
          <TextInput label="Version" readOnly value={chosen ? `v${chosen.version} (pinned at deploy)` : "—"}
            description="the strategy's current version" />
          {text("name", "Name", "optional; default: strategy · universe")}
          <Select label="Universe" data={(universes.data ?? [{ name: values.universe, size: 0 }]).map((u) => ({
            value: u.name, label: u.size ? `${u.name} (${u.size})` : u.name }))}
            value={values.universe} onChange={(v) => set("universe", v ?? "")} error={fields.universe} />
          {text("starting_capital", "Starting capital (₹)")}
          {text("position_size_pct", "Position size (% of capital)")}
          {text("max_positions", "Max positions")}
          {text("max_per_sector", "Max per sector", "optional")}
          {text("max_oversubscription", "Max oversubscription", "signals kept, × free slots (1–5)")}
          {text("min_hold_days", "Min hold days", "optional")}
          {text("atr_stop_multiplier", "ATR stop multiplier", "optional; no stop when empty")}
          {text("slippage_bps", "Slippage (bps)")}
          <Select label="Paper fill" data={FILLS} value={values.paper_fill} disabled={agent}
            description={agent ? "the agent's entries fill at the broker" : undefined}
            onChange={(v) => set("paper_fill", v ?? "gtt")} error={fields.paper_fill} />
          <Select label="Broker" data={(agent ? atAgent : brokers).map((b) => ({ value: b, label: brokerName(b) }))}
            value={values.broker} allowDeselect={false}
            onChange={(v) => set("broker", v ?? (agent ? "kite" : "paper"))} error={fields.broker} />
          {agent && (
            <PlacementSelect value={values.agent_placement} onChange={(v) => set("agent_placement", v)} error={fields.agent_placement} />
          )}
        </SimpleGrid>
        <ExecutorChoice value={values.executor} onChange={(e) => setValues((v) => withExecutor(v, e, atAgent))} error={fields.executor} />
        <Group gap="xl">
          <Switch label="Paper mode" checked={values.paper_mode} onChange={(e) => set("paper_mode", e.currentTarget.checked)}
            disabled={agent} error={fields.paper_mode} />
          <Switch label="Place signals automatically" checked={values.auto_place_signals}
            onChange={(e) => set("auto_place_signals", e.currentTarget.checked)} error={fields.auto_place_signals} />
        </Group>
        {!values.paper_mode && (
          <Text size="sm" c="red.8">
            {agent
              ? `Live: your agent places these orders at ${brokerName(values.broker)} with real money.`
              : "Live: orders go to your broker with real money."}
          </Text>
        )}
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Group><Button type="submit" loading={busy}>Deploy</Button></Group>
      </Stack>
    </form>
  );
}
