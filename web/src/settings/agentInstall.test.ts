import { describe, expect, it } from "vitest";
import { AGENT_INSTALL, AGENT_WHEELS } from "./agentInstall";

// Every screen's source, as text: none may tell a trader to install the agent by a PyPI name.
const sources = import.meta.glob("../**/*.tsx", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("the agent's install instructions", () => {
  it("name what exists: the repository's ./agent, or the wheels make wheels builds", () => {
    expect(AGENT_INSTALL).toMatch(/pip install .*"\.\/agent\[all\]"/);
    expect(AGENT_WHEELS).toMatch(/^make wheels && pip install .*--find-links dist/);
  });
  it("never tell a trader to pip install the unpublished name", () => {
    const bare = /pip install (--upgrade )?(&quot;|")?tradertape-agent/;
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(Object.entries(sources).filter(([, text]) => bare.test(text)).map(([file]) => file)).toEqual([]);
  });
});
