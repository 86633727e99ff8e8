// How to install the local agent, in the words every screen uses. `tradertape-agent` is not
// published on PyPI (anyone could register the name), so no screen tells a trader to `pip
// install` it by name: it installs from a clone of the repository, or from the wheels `make
// wheels` builds (agent/README.md says the same).

/** Install (or upgrade, after `git pull`) from the repository's root. */
export const AGENT_INSTALL = 'pip install --upgrade "./agent[all]"';
/** Or from the release wheels built into dist/. */
export const AGENT_WHEELS = 'make wheels && pip install --upgrade --find-links dist "tradertape-agent[all]"';
