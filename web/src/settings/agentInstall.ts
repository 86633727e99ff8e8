// How to install the local agent, in the words every screen uses: agent/README.md's two
// commands, from the repository's root (the first builds the agent's UI into the package; a
// package built without it answers its page with 503). `tradertape-agent` is published on no
// index, so no screen names it to `pip install` (anyone could register the name, and pip would
// install theirs): not bare, and not with `--find-links dist` either, which asks PyPI too.

/** Install (or upgrade, after `git pull`) from the repository's root. */
export const AGENT_INSTALL = 'make web-agent && pip install --upgrade "./agent[all]"';
