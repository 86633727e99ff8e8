// What "Place cart" says it did: the orders the server sent, the signals handed to the local
// agent (an agent-run portfolio's: the agent's next poll takes them from the cart), and what
// failed, with why. The counts are the API's (`placed` and `for_agent` never share a signal).
import type { components } from "@/api/client";

type Placement = components["schemas"]["PlacementOut"];

const signals = (n: number) => `${n} signal${n === 1 ? "" : "s"}`;

/** "Placed 2 signals.", "3 signals handed to your agent: it places them at Kite on its next
 * poll.", either followed by "; failed: #7 why". `broker` names the agent's broker. */
export function placementText(result: Placement, broker?: string): string {
  const handed = result.for_agent?.length ?? 0;
  const parts: string[] = [];
  if (result.placed.length > 0 || handed === 0) parts.push(`Placed ${signals(result.placed.length)}`);
  if (handed > 0) {
    parts.push(`${signals(handed)} handed to your agent` + (broker ? `: it places them at ${broker} on its next poll` : ""));
  }
  const failed = Object.entries(result.failed);
  const text = parts.join("; ");
  return failed.length ? `${text}; failed: ${failed.map(([id, why]) => `#${id} ${why}`).join("; ")}` : `${text}.`;
}
