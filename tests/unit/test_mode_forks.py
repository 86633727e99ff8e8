"""Paper vs live is the OMS's business: services and routes ask how a venue answers
(`OrderPipeline.traits`, `VenueTraits`) instead of branching on the execution mode, and at
most five branches on the mode that choose behaviour remain outside `oms/`, each named here
with why (issue 51).

Every line of code (comments and strings left out) in `services/` and `api/` that reads a
mode, as the issue counts them (``ExecutionMode.LIVE``/``PAPER``, ``mode ==``, ``mode is``,
``mode !=``, ``.live``), is one of: an allowed fork (`FORKS`), something that is not a fork
of behaviour (`NOT_FORKS`: validation of a declared mode against its scope or the
contract, a label, a query, building an account from a request), or a dry run's check (a
dry run places nothing: it is no venue). A new one fails until it is sorted here.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "tradertape"
MODE = re.compile(r"ExecutionMode \. (LIVE|PAPER)\b|mode (==|!=|is) |\. live\b")
MOST = 5

#: The branches on the mode that choose behaviour, outside the OMS: (file, code) → why.
FORKS = {
    ("services/protection/recovery.py", "return run.execution_mode == ExecutionMode.LIVE"): (
        "recovery's policy: what an unattended process would do with real money (exit a "
        "stale run, resend an exit) waits for a person"
    ),
    ("services/workers/runs.py", "if spec.execution_mode == ExecutionMode.PAPER:"): (
        "a paper run's account opens funded (the paper money is ours to give)"
    ),
    ("api/routes/workers_runs.py", "is_live = run.execution_mode == ExecutionMode.LIVE"): (
        "the risk monitor reads a live run's rules on the live book (`RiskMonitor.blocking`)"
    ),
    ("services/brokers/live_trading.py", "if not account.live:"): (
        "a preview is priced on the paper schedule or asked of the user's broker "
        "(`UserBrokers.priced_at`, the order ticket's and the option desk's)"
    ),
}

#: Lines that read a mode without forking behaviour: (file, code) → what they are.
NOT_FORKS = {
    (
        "services/workers/funds.py",
        "if mode == ExecutionMode.PAPER and not is_paper_scope(scope):",
    ): ("validation: the mode asked for and the scope agree"),
    ("services/workers/funds.py", "if mode == ExecutionMode.LIVE and is_paper_scope(scope):"): (
        "validation: the mode asked for and the scope agree"
    ),
    ("services/workers/runs.py", "if chosen is ExecutionMode.PAPER and not paper_scope:"): (
        "validation: a paper run needs a paper scope"
    ),
    ("services/workers/replays.py", "if spec.execution_mode != ExecutionMode.PAPER:"): (
        "validation: a replay trades on paper (a past period has no broker to send to)"
    ),
    ("services/workers/replays.py", "allowed_modes=[ExecutionMode.PAPER.value],"): (
        "a grant: the replay's token may run paper runs only"
    ),
    ("services/workers/runs.py", "if chosen is ExecutionMode.LIVE:"): (
        "validation: a live run needs a live scope and the server's switch"
    ),
    ("services/workers/runs.py", "if mode is ExecutionMode.LIVE and (problem := "): (
        "validation: a live run declares what it risks (the contract)"
    ),
    ("services/workers/runs.py", "if spec.execution_mode == ExecutionMode.LIVE:"): (
        "validation: a live run's switches and account, before its row (403/409)"
    ),
    ("services/workers/gtt.py", "if run.execution_mode != ExecutionMode.LIVE:"): (
        "validation: the worker contract's GTTs sit at the broker (400)"
    ),
    ("services/accounts/worker_tokens.py", "if ExecutionMode.LIVE in spec.allowed_modes"): (
        "validation: a token allowed live needs a live scope"
    ),
    ("services/workers/placement.py", "mode = ExecutionMode.PAPER if order.broker == "): (
        "a label: the mode word of an order's response"
    ),
    ("services/options/runs.py", "execution_mode=ExecutionMode.PAPER.value,"): (
        "a value: an option run starts on paper"
    ),
    ("services/brokers/session_watch.py", 'WorkerRun.execution_mode == "live"'): (
        "a query: the live runs a broker session's end leaves waiting (a count to show)"
    ),
    ("services/term_orders.py", 'Account(live=terms.mode == "live", broker=terms.broker)'): (
        "the account an alert's or a hook's stored order names (as `Account.of` reads a request)"
    ),
    ("api/routes/risk.py", 'book="live" if state.live else "paper"'): "a label: a state's book",
    ("services/webhooks/hooks.py", 'if draft.mode != "live" and draft.broker is not None:'): (
        "validation: only a live order names a broker"
    ),
    ("services/workers/market.py", "if book and mode is TickMode.QUOTE:"): "a tick mode",
    ("services/workers/market.py", "if mode is not TickMode.LTP:"): "a tick mode",
}


def _code_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Each line's code as its tokens, one space apart, with comments and docstrings left
    out and each string as ``''``; no imports."""
    lines: dict[int, list[str]] = {}
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    previous = tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        kind = token.type
        if kind == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.INDENT):
            previous = kind  # a docstring (or a bare string): no code
            continue
        if kind not in skip and kind != tokenize.ENDMARKER:
            text = "''" if kind == tokenize.STRING else token.string
            lines.setdefault(token.start[0], []).append(text)
        if kind not in (tokenize.COMMENT, tokenize.NL):
            previous = kind
    for number, parts in sorted(lines.items()):
        if parts[0] not in ("from", "import"):
            yield number, " ".join(parts)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _hits() -> list[tuple[str, int, str]]:
    found = []
    for package in ("services", "api"):
        for path in sorted((SRC / package).rglob("*.py")):
            name = path.relative_to(SRC).as_posix()
            source = path.read_text().splitlines()
            for number, text in _code_lines(path):
                if MODE.search(text):
                    found.append((name, number, source[number - 1].strip()))
    return found


def _entry(table: dict[tuple[str, str], str], name: str, text: str) -> tuple[str, str] | None:
    code = _compact(text)
    return next((k for k in table if k[0] == name and _compact(k[1]) in code), None)


def _dry_run(text: str) -> bool:
    """A dry run's check: it places nothing, so it chooses no venue."""
    return "DRY_RUN" in text and not re.search(r"ExecutionMode\.(LIVE|PAPER)|\.live\b", text)


def test_at_most_five_mode_forks_remain_outside_the_oms():
    forks, unsorted, used = [], [], set()
    for name, number, text in _hits():
        if _dry_run(text):
            continue
        if (key := _entry(FORKS, name, text)) is not None:
            forks.append(f"{name}:{number}: {text}")
            used.add(key)
        elif (key := _entry(NOT_FORKS, name, text)) is not None:
            used.add(key)
        else:
            unsorted.append(f"{name}:{number}: {text}")
    assert unsorted == [], "branch on the venue's traits, or sort these here:\n" + "\n".join(
        unsorted
    )
    assert len(forks) <= MOST, "\n".join(forks)
    assert len(FORKS) <= MOST
    stale = sorted((set(FORKS) | set(NOT_FORKS)) - used)
    assert stale == [], "entries that match nothing now"
