"""``tradertape-agent [configure|run|reset|status|service|approve|reject]`` (seed 000).

Every failure a user can meet prints the seed's words (``Cloud authentication failed``,
``Broker not connected``, …) and a way out, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradertape_agent import __version__, obfuscation
from tradertape_agent.cloud import Cloud, CloudAuthError, CloudError, CloudUnreachable
from tradertape_agent.config import (
    BROKER_NAMES,
    DEFAULT_CLOUD,
    TITLES,
    Config,
    ConfigError,
    config_path,
    journal_path,
    load,
    save,
)
from tradertape_agent.engine import Agent, record_decision
from tradertape_agent.journal import Journal
from tradertape_agent.outbox import Outbox
from tradertape_agent.service import LAUNCHD_PATH, SYSTEMD_PATH, launchd_plist, systemd_unit
from tradertape_agent.sessions import (
    exchange_kite,
    exchange_upstox,
    load_brokers,
    mint_groww,
    missing_extra,
    skip_kite_ticker,
)
from tradertape_brokers.port import BrokerError

#: India's time: the brokers' sessions end at a wall-clock hour there.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
#: The brokers whose web login the cloud relays here (a redirect, and a secret the agent
#: holds); Groww has no redirect: the agent mints its token itself.
RELAYED = ("kite", "upstox")
if TYPE_CHECKING:
    from tradertape_agent.ui.server import UiServer

Ask = Callable[[str], str]
Say = Callable[[str], None]
#: Builds the cloud client (tests hand in one on an in-process transport).
CloudFactory = Callable[[str, str], Cloud]


def _cloud(url: str, key: str) -> Cloud:
    return Cloud(url, key)


def _prompt(text: str, secret: bool = False) -> str:
    if secret and sys.stdin.isatty():
        return getpass.getpass(text)
    print(text, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


# -- configure ----------------------------------------------------------------------------


def _url(value: str) -> str | None:
    if not value.startswith(("http://", "https://")):
        return "The cloud URL starts with http:// or https://"
    return None


def _key(value: str) -> str | None:
    if value.startswith("zt_"):
        return None
    return "An agent API key starts with zt_ (TraderTape Settings → Trading Agent → Generate Key)"


def _needed(value: str) -> str | None:
    return None if value else "Required"


def _yes_no(value: str) -> str | None:
    return None if value.lower() in ("y", "n", "yes", "no") else "y or n"


def _number(low: float, high: float) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            n = float(value)
        except ValueError:
            return "Type a number"
        return None if low <= n <= high else f"Between {low:g} and {high:g}"

    return check


def _factor(value: str) -> str | None:
    if value in ("", "keep"):
        return None
    text, _, salt = value.partition(":")
    try:
        obfuscation.valid_factor(text)
    except ValueError as exc:
        return str(exc)
    return None if salt else "Give it as factor:salt"


class Wizard:
    """`configure`'s questions, each asked again until its answer passes its check."""

    def __init__(self, ask: Ask, hidden: Ask, say: Say, cloud: CloudFactory) -> None:
        self.ask, self.hidden, self.say, self.cloud = ask, hidden, say, cloud

    def question(
        self, text: str, default: str, check: Callable[[str], str | None], *, quiet: bool = False
    ) -> str:
        shown = "keep" if quiet and default else default
        prompt = f"{text} [{shown}]: " if shown else f"{text}: "
        while True:
            answer = (self.hidden if quiet else self.ask)(prompt).strip() or default
            problem = check(answer)
            if problem is None:
                return answer
            self.say(f"  {problem}")

    def cloud_and_key(self, config: Config) -> None:
        """The URL and the key, until the cloud answers there and accepts the key."""
        while True:
            url = self.question("Cloud URL", config.cloud_url or DEFAULT_CLOUD, _url)
            config.cloud_url = url.rstrip("/")
            config.api_key = self.question(
                "Agent API key (zt_...)", config.api_key, _key, quiet=True
            )
            client = self.cloud(config.cloud_url, config.api_key)
            try:
                client.pending_token()
                return
            except CloudAuthError:
                self.say("  Cloud authentication failed: the cloud refused this key. Try again.")
                config.api_key = ""
            except CloudError as exc:
                self.say(f"  {exc}")
            finally:
                client.close()

    def broker(self, config: Config) -> None:
        name = self.question(
            f"Primary broker ({'/'.join(BROKER_NAMES)})",
            config.primary_broker or "kite",
            lambda v: None if v in BROKER_NAMES else f"One of {', '.join(BROKER_NAMES)}",
        )
        config.primary_broker = name
        title = TITLES[name]
        key = self.question(f"{title} API key", config.secret(name, "api_key"), _needed)
        setattr(config, f"{name}_api_key", key)
        secret = self.question(
            f"{title} API secret", config.secret(name, "api_secret"), _needed, quiet=True
        )
        setattr(config, f"{name}_api_secret", secret)

    def habits(self, config: Config) -> None:
        auto = self.question(
            "Auto-execute signals (y/N)", "y" if config.auto_execute else "n", _yes_no
        )
        config.auto_execute = auto.lower().startswith("y")
        stop = self.question("Stop loss percent", f"{config.stop_loss_pct:g}", _number(0.1, 50))
        config.stop_loss_pct = float(stop)
        poll = self.question("Poll interval seconds", str(config.poll_interval), _number(5, 3600))
        config.poll_interval = int(float(poll))
        imported = self.question(
            "Import an obfuscation factor (factor:salt; blank keeps yours)", "keep", _factor
        )
        if imported not in ("", "keep"):
            config.obfuscation_factor, _, config.obfuscation_salt = imported.partition(":")


def configure(
    path: Path,
    *,
    ask: Ask = _prompt,
    say: Say = print,
    cloud: CloudFactory = _cloud,
    secret_ask: Ask | None = None,
) -> Config:
    """The wizard: the seed's questions with the current answers as defaults, each checked
    (a reachable cloud that accepts the ``zt_`` key); writes `path` with mode 600."""
    try:
        config = load(path, require_private=False) if path.exists() else Config()
    except ConfigError:
        config = Config()
    wizard = Wizard(ask, secret_ask or (lambda text: _prompt(text, secret=True)), say, cloud)
    wizard.cloud_and_key(config)
    wizard.broker(config)
    wizard.habits(config)
    ensure_factor(config)
    save(config, path)
    say(f"Settings written to {path} (chmod 600).")
    return config


def ensure_factor(config: Config) -> None:
    """Make the obfuscation factor once; kept across `configure` and `reset`."""
    if not config.obfuscation_factor:
        config.obfuscation_factor = obfuscation.new_factor()
    if not config.obfuscation_salt:
        config.obfuscation_salt = obfuscation.new_salt()


# -- run ----------------------------------------------------------------------------------


class Runner:
    """The daemon: start-up lines, then a cycle every `poll_interval` until stopped."""

    def __init__(
        self,
        path: Path,
        *,
        say: Say = print,
        cloud: CloudFactory = _cloud,
        clock: Callable[[], datetime] | None = None,
        wait: Callable[[float], bool] | None = None,
        serve_ui: bool = True,
    ) -> None:
        self.path = path
        self.say = say
        self.make_cloud = cloud
        self.clock = clock or (lambda: datetime.now(timezone.utc))  # noqa: UP017 - 3.10
        self.stop = threading.Event()
        self.wait = wait or self.stop.wait
        self.upstox_keys: dict[str, str] = {}
        self.offer: dict[str, Any] = {}  # a login token the start-up check was handed
        self.serve_ui = serve_ui
        self.ui: UiServer | None = None
        self.session_actions: dict[str, str | None] = {}  # what was last said of each session

    def start(self) -> Agent:
        config = load(self.path)
        problems = config.problems()
        if problems:
            raise ConfigError("; ".join(problems))
        ensure_factor(config)
        skip_kite_ticker()
        loaded = load_brokers(config, upstox_keys=self.upstox_keys, mint_groww=mint_groww)
        say = self.say
        say(f"[agent] Starting tradertape-agent v{__version__}")
        say(f"[agent] Cloud URL: {config.cloud_url}")
        say(f"[agent] Primary broker: {config.primary_broker}")
        say(f"[agent] Loaded brokers: {', '.join(loaded.brokers) or 'none'}")
        for message in loaded.missing.values():
            say(f"[agent] {message}")
        cloud = self.make_cloud(config.cloud_url, config.api_key)
        cloud.poll_interval = config.poll_interval
        try:
            self.offer = cloud.pending_token()  # the key's check; a token waiting is kept
            cloud_health = "ok"
        except CloudAuthError:
            cloud.close()
            raise
        except CloudError:
            cloud_health = "unreachable"
        broker_health = "ok" if config.primary_broker in loaded.brokers else "not-connected"
        cloud.health = "ok" if broker_health == "ok" else "broker-down"
        journal = Journal(journal_path(self.path))
        agent = Agent(config, cloud, loaded.brokers, journal, clock=self.clock, log=say)
        if self.serve_ui:
            from tradertape_agent.ui.server import start_ui  # the web stack only when served

            self.ui = start_ui(agent, self.path, say=say, upstox_keys=self.upstox_keys)
        say(
            f"[agent] Health: cloud={cloud_health} broker={broker_health} "
            f"poll={config.poll_interval}s"
        )
        return agent

    def relay_token(self, agent: Agent) -> None:
        """A Kite request token or an Upstox code the web app's login left for the agent:
        exchanged here with the secret, the session saved and pushed to the cloud. (Groww
        needs no relay: the agent mints its own token from its key and TOTP seed.)"""
        offer, self.offer = self.offer, {}
        for name in RELAYED:
            if name not in agent.config.brokers():
                continue
            found = offer if offer.get("broker", "kite") == name else {}
            found = found or agent.cloud.pending_token(name)
            token = found.get("request_token")
            if token:
                self._relayed(agent, name, str(token), found.get("redirect_uri"))

    def tell_sessions(self, agent: Agent) -> None:
        """Say "log in again" when the cloud finds one of its broker sessions ended (expired,
        or the broker logged the user out), once per change; a cloud too old to answer, or
        out of reach, is not this check's to report (the cycle reports it)."""
        try:
            sessions = agent.cloud.broker_sessions()
        except CloudError:
            return
        for row in sessions:
            name, action = str(row.get("broker")), row.get("action")
            if self.session_actions.get(name) != action:
                self.session_actions[name] = action
                if action:
                    self.say(f"[agent] cloud: {action}")

    def _relayed(self, agent: Agent, name: str, token: str, redirect_uri: Any) -> None:
        try:
            if name == "kite":
                session = exchange_kite(agent.config, token)
            else:
                session = exchange_upstox(agent.config, token, redirect_uri or None)
        except ImportError:
            self.say(f"[agent] {missing_extra(name)}")
            return
        except BrokerError as exc:
            self.say(f"[agent] {name}: the relayed login failed ({exc}); log in again")
            return
        agent.config.keep_session(name, session.access_token, session.expires_at)
        save(agent.config, self.path)
        loaded = load_brokers(agent.config, upstox_keys=self.upstox_keys)
        agent.brokers.update(loaded.brokers)
        agent.cloud.access_token(name, session.access_token, session.broker_user_id)
        agent.cloud.health = "ok"
        self.say(f"[agent] {name}: logged in (token relayed by the cloud)")

    def run(self, *, once: bool = False) -> int:
        agent = self.start()
        try:
            while True:
                try:
                    agent.cycle()
                    self.relay_token(agent)
                    self.tell_sessions(agent)
                except CloudAuthError as exc:
                    self.say(f"[agent] {exc}")
                except CloudError as exc:
                    self.say(f"[agent] {exc}")
                except Exception as exc:  # noqa: BLE001 - a daemon logs and goes on
                    self.say(f"[agent] unexpected error ({type(exc).__name__}: {exc}); retrying")
                if once or self.wait(agent.config.poll_interval):
                    return 0
        finally:
            if self.ui is not None:
                self.ui.stop()
                self.ui = None
            agent.journal.close()
            agent.cloud.close()


# -- status, reset, service, approvals ------------------------------------------------------


def session_state(config: Config, name: str, now: datetime) -> str:
    """A configured broker's login state, as `status` prints it."""
    token = config.secret(name, "access_token")
    ends = config.secret(name, "session_expires")
    if not token:
        if name == "groww":
            return "not logged in (its key and secret make a session at start, or Brokers → Groww)"
        return "not logged in (the agent UI's Brokers page, or the web app's login relay)"
    if not ends:
        return "session saved (when it ends is not known)"
    try:
        until = datetime.fromisoformat(ends)
    except ValueError:
        return "session saved (when it ends is not known)"
    shown = until.astimezone(IST).strftime("%d %b %Y %H:%M IST")
    if until.tzinfo is not None and until <= now:
        return f"session expired {shown}: log in again (the agent UI's Brokers page)"
    return f"logged in, session saved until {shown}"


def status(path: Path, say: Say = print, *, now: datetime | None = None) -> int:
    """The seed's status: the cloud URL, the brokers and their login state, the last poll
    and result, the drift count; and what is waiting."""
    config = load(path, require_private=False)
    at = now or datetime.now(timezone.utc)  # noqa: UP017 - 3.10
    say(f"Settings: {path}")
    say(f"Cloud URL: {config.cloud_url}")
    say(f"Primary broker: {config.primary_broker}")
    configured = config.brokers()
    for name in BROKER_NAMES:
        if name in configured:
            say(f"Broker {name}: configured, {session_state(config, name, at)}")
    if not configured:
        say("Brokers: none configured (run tradertape-agent configure)")
    say(f"Auto-execute: {'on' if config.auto_execute else 'off (manual approval)'}")
    say(f"Poll interval: {config.poll_interval}s")
    ui = "off" if config.ui_port == 0 else f"http://{config.ui_host}:{config.ui_port}"
    say(f"Local UI: {ui}{' (PIN set)' if config.ui_pin_hash else ''}")
    jpath = journal_path(path)
    if jpath.exists():
        journal = Journal(jpath)
        try:
            say(f"Last poll: {journal.fact('last_poll') or 'never'}")
            say(f"Last result: {journal.fact('last_result') or 'none'}")
            drift = journal.fact("drift") or ""
            say(f"Drift: {journal.fact('drift_count') or '0'} symbol(s)")
            for line in drift.splitlines():
                say(f"  {line}")
            open_ = journal.where("state != 'final'")
            say(f"Open placements: {len(open_)}")
            outbox = Outbox(journal.connection)
            waiting = outbox.messages("waiting")
            say(f"Outbox: {len(waiting)} waiting for the cloud")
            for m in waiting:
                say(f"  {m.line()}: tried {m.attempts} time(s), next {m.next_at}")
            for m in outbox.messages("refused"):
                say(f"Refused by the cloud: {m.line()}: {m.answer}")
        finally:
            journal.close()
    else:
        say("Last poll: never")
    return 0


def reset(
    path: Path, *, yes: bool, forget_factor: bool, ask: Ask = _prompt, say: Say = print
) -> int:
    if not path.exists():
        say(f"Nothing to reset: no settings at {path}")
        return 0
    if not yes:
        answer = ask(f"Wipe {path} (API key, broker credentials and sessions)? [y/N]: ")
        if answer.strip().lower() not in ("y", "yes"):
            say("Nothing changed.")
            return 1
    old = load(path, require_private=False)
    if forget_factor:
        path.unlink()
        say(f"Wiped {path}, obfuscation factor included.")
    else:
        kept = Config(
            obfuscation_factor=old.obfuscation_factor, obfuscation_salt=old.obfuscation_salt
        )
        kept.api_key = ""
        save(kept, path)
        say(f"Wiped {path}; kept the obfuscation factor (--forget-factor drops it too).")
    say(
        f"The journal ({journal_path(path).name}) stays: it keeps placed signals "
        "from being placed twice."
    )
    return 0


def service(kind: str, say: Say = print) -> int:
    program = shutil.which("tradertape-agent") or str(Path(sys.argv[0]).resolve())
    if kind == "systemd":
        say(f"# {SYSTEMD_PATH}")
        say(systemd_unit(getpass.getuser(), program))
        say("# then: sudo systemctl enable --now tradertape-agent")
    else:
        say(f"<!-- {LAUNCHD_PATH} -->")
        say(launchd_plist(program, Path.home()))
        say(f"<!-- then: launchctl load {LAUNCHD_PATH} -->")
    return 0


def decide(path: Path, signal_id: int, decision: str, say: Say = print) -> int:
    """``approve ID`` / ``reject ID``: a Reject reaches TraderTape at the next poll (the
    outbox); an Approve places a carted signal here (one waiting for approval in
    TraderTape is approved from the local UI, which knows it waits there)."""
    journal = Journal(journal_path(path))
    try:
        at = datetime.now(timezone.utc)  # noqa: UP017 - 3.10 has no datetime.UTC
        record_decision(journal, signal_id, decision, at, awaiting=False)
    finally:
        journal.close()
    say(f"Signal {signal_id} {decision}; the running agent acts on it at its next poll.")
    return 0


# -- entry point --------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tradertape-agent", description="TraderTape's local agent (run is the default)."
    )
    top.add_argument("--version", action="version", version=f"tradertape-agent {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("configure", help="Interactive setup wizard")
    run = commands.add_parser("run", help="Run the agent (default if no command given)")
    run.add_argument("--once", action="store_true", help="one poll cycle, then exit (no local UI)")
    wipe = commands.add_parser("reset", help="Wipe local config and start over")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    wipe.add_argument(
        "--forget-factor", action="store_true", help="drop the obfuscation factor too"
    )
    commands.add_parser("status", help="Print current status")
    unit = commands.add_parser("service", help="Print a systemd unit or launchd plist")
    which = unit.add_mutually_exclusive_group(required=True)
    which.add_argument("--systemd", action="store_const", const="systemd", dest="kind")
    which.add_argument("--launchd", action="store_const", const="launchd", dest="kind")
    for verb in ("approve", "reject"):
        one = commands.add_parser(verb, help=f"{verb.title()} a pending signal (manual mode)")
        one.add_argument("signal_id", type=int)
    return top


def _dispatch(args: argparse.Namespace, path: Path) -> int:
    command = args.command or "run"
    if command == "configure":
        configure(path)
        return 0
    if command == "run":
        once = bool(getattr(args, "once", False))
        runner = Runner(path, serve_ui=not once)  # one cycle: no page to serve
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.stop.set())
        return runner.run(once=once)
    if command == "reset":
        return reset(path, yes=args.yes, forget_factor=args.forget_factor)
    if command == "status":
        return status(path)
    if command == "service":
        return service(args.kind)
    return decide(path, args.signal_id, "approved" if command == "approve" else "rejected")


def line_by_line() -> None:
    """Each log line out as it is printed, whatever stdout is: under systemd or launchd it
    is a pipe or a file, which Python would otherwise buffer in 8 KB blocks."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(line_buffering=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    line_by_line()
    try:
        return _dispatch(args, config_path())
    except (ConfigError, CloudAuthError) as exc:
        print(f"[agent] {exc}", file=sys.stderr)
        return 2
    except CloudUnreachable as exc:
        print(f"[agent] {exc}", file=sys.stderr)
        return 3
    except (EOFError, KeyboardInterrupt):
        print("\nStopped; nothing written.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
