// The selector of what the agent places for a portfolio: in the deploy form (a value of the
// form) and on an agent-run portfolio's dashboard (saved at once through the API).
import { Alert, Select, Stack } from "@mantine/core";
import { ApiError } from "@/api/errors";
import { AGENT_PLACEMENTS, type AgentPlacement, placementHelp, placementOf, setAgentPlacement } from "./agentPlacement";
import { useModelAction } from "./modelApi";

const DATA = AGENT_PLACEMENTS.map((p) => ({ value: p.value, label: p.label }));
export const PLACEMENT_LABEL = "The agent places";

/** A plain selector: `value` and `onChange` are the caller's. */
export function PlacementSelect({ value, onChange, error, disabled }: {
  value: AgentPlacement; onChange: (v: AgentPlacement) => void; error?: string; disabled?: boolean;
}) {
  return (
    <Select label={PLACEMENT_LABEL} data={DATA} value={value} allowDeselect={false} disabled={disabled}
      description={placementHelp(value)} error={error} onChange={(v) => onChange(placementOf(v))} />
  );
}

/** A running portfolio's placement, changed through the API (the next poll hands it out). */
export function PortfolioPlacement({ id, placement }: { id: number; placement: string }) {
  const save = useModelAction(setAgentPlacement);
  const shown = save.isPending && save.variables ? save.variables.placement : placementOf(placement);
  const failed = save.error instanceof ApiError ? save.error.message : save.error ? String(save.error) : null;
  return (
    <Stack gap={4} maw={520}>
      <PlacementSelect value={shown} disabled={save.isPending}
        onChange={(v) => { if (v !== placementOf(placement)) save.mutate({ id, placement: v }); }} />
      {failed && <Alert color="red" role="alert">{failed}</Alert>}
    </Stack>
  );
}
