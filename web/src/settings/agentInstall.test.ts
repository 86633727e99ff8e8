import { describe, expect, it } from "vitest";
import { AGENT_INSTALL } from "./agentInstall";

// Every screen's source, as text: none may tell a trader to install the agent by a name pip
// looks up on an index (the name is not published there; anyone could register it).
const sources = import.meta.glob("../**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const byName = /pip install ([^\s&;|#]+ )*(&quot;|"|')?tradertape-agent/;

describe("the agent's install instructions", () => {
  it("are agent/README.md's two commands: build the UI, then install the repository's ./agent", () => {
    expect(AGENT_INSTALL).toBe('make web-agent && pip install --upgrade "./agent[all]"');
  });
  it("never tell a trader to pip install the unpublished name, bare or through --find-links", () => {
    expect(byName.test('pip install --upgrade --find-links dist "tradertape-agent[all]"')).toBe(true);
    expect(byName.test("pip install 'tradertape-agent[kite]'")).toBe(true);
    expect(byName.test(AGENT_INSTALL)).toBe(false);
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    const screens = Object.entries(sources).filter(([file]) => !file.endsWith("agentInstall.test.ts")); // this file quotes the bad ones
    expect(screens.filter(([, text]) => byName.test(text)).map(([file]) => file)).toEqual([]);
  });
});
