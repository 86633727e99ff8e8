import { Alert, Anchor, Button, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import type { DeployValues } from "@/portfolios/deployForm";
import type { Portfolio } from "@/portfolios/modelApi";
import { useDeploy } from "@/portfolios/useDeploy";
import { inr } from "@/format";
import { useStrategy } from "@/strategies/strategyApi";
import { type Run, useUniverses } from "./backtestApi";
import { deployFromRun } from "./runForm";
import { universeName } from "./words";

/** "Deploy as model portfolio": a paper portfolio on the run's strategy with its settings. */
export function DeployFromRun({ run, onClose }: { run: Run; onClose: () => void }) {
  const strategyId = run.strategy_id as number;
  const strategy = useStrategy(strategyId);
  const universes = useUniverses();
  const [values, setValues] = useState<DeployValues>(() => deployFromRun(run.config, strategyId, `${run.strategy_name} · run #${run.id}`.slice(0, 120)));
  const [made, setMade] = useState<Portfolio | null>(null);
  const { deploy, fields, error, busy } = useDeploy(setMade);
  const set = (key: keyof DeployValues, value: string) => setValues((v) => ({ ...v, [key]: value }));
  const customList = Array.isArray(run.config.universe);
  const newer = strategy.data && run.strategy_version !== null && strategy.data.version !== run.strategy_version;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void deploy(values);
  };
  const text = (key: keyof DeployValues, label: string) => (
    <TextInput label={label} value={values[key] as string} onChange={(e) => set(key, e.currentTarget.value)} error={fields[key]} />
  );

  return (
    <Modal opened onClose={onClose} title="Deploy as a model portfolio" size="lg" centered closeButtonProps={{ "aria-label": "Close" }}>
      {made ? (
        <Stack>
          <Text role="status">Deployed {made.name} on paper with {inr(made.starting_capital)} starting capital.</Text>
          <Group justify="flex-end">
            <Button component={Link} to="/portfolios">Open Portfolios</Button>
            <Button variant="default" onClick={onClose}>Close</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={(e) => void submit(e)} aria-label="Deploy as a model portfolio">
          <Stack gap="sm">
            <Text size="sm">
              A paper portfolio on <b>{run.strategy_name}</b> with this run's capital, sizing, caps, slippage and fills.
              It scans from the next session; nothing is bought now.
            </Text>
            {newer && (
              <Alert color="yellow">The run used v{run.strategy_version}; the portfolio pins the strategy's current version, v{strategy.data?.version}.</Alert>
            )}
            {customList && <Alert color="gray">The run used a symbol list; a portfolio scans a named universe: pick one.</Alert>}
            {text("name", "Name")}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select label="Universe" allowDeselect={false} value={values.universe} onChange={(v) => set("universe", v ?? "nifty_100")}
                data={(universes.data ?? []).map((u) => ({ value: u.name, label: universeName(u.name) }))} error={fields.universe} />
              {text("starting_capital", "Starting capital (₹)")}
              {text("position_size_pct", "Position size (% of capital)")}
              {text("max_positions", "Max positions")}
              {text("max_per_sector", "Max per sector")}
              {text("slippage_bps", "Slippage (bps)")}
              <Select label="Fills" allowDeselect={false} value={values.paper_fill} onChange={(v) => set("paper_fill", v ?? "next_open")}
                data={[{ value: "next_open", label: "At the next open" }, { value: "close", label: "At the signal day's close" }, { value: "gtt", label: "GTT (when the trigger is hit)" }]} />
            </SimpleGrid>
            {error && <Alert color="red" role="alert">{error}</Alert>}
            <Group justify="space-between">
              <Anchor component={Link} to="/portfolios" size="sm">All portfolios</Anchor>
              <Group>
                <Button variant="default" onClick={onClose}>Cancel</Button>
                <Button type="submit" loading={busy}>Deploy on paper</Button>
              </Group>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
