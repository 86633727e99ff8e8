import { Badge, Tooltip } from "@mantine/core";

/** Says so when figures come from synthetic (simulated) candles rather than real prices. */
export function DataLabel({ synthetic, source }: { synthetic?: boolean | null; source?: string | null }) {
  if (!synthetic) return null;
  const text = source === "mixed" ? "Partly synthetic data" : "Synthetic data";
  return (
    <Tooltip label="Prices behind these figures are simulated, not real market data">
      <Badge color="#9a3412" variant="filled" tabIndex={0} aria-label={`${text}: simulated prices, not real`}>
        {text}
      </Badge>
    </Tooltip>
  );
}
