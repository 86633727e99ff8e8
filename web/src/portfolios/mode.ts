// How a model portfolio trades, in words: on paper, live by the server, or live by the agent.

export function modeWords(p: { paper_mode: boolean; executor?: string | null }): string {
  if (p.paper_mode) return "Paper";
  return p.executor === "agent" ? "Live by the agent" : "Live";
}
