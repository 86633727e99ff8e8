"""Loading the configured brokers, and their sessions: a token in the settings, Groww's
minted from its key and secret (or TOTP), Kite's and Upstox's relayed by the cloud from the
web app's login (the request token or code comes here; the secret never leaves)."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tradertape_agent.config import Config
from tradertape_brokers.pacing import Ceiling, Limits, Monotonic, RateLimiter, Sleep
from tradertape_brokers.port import BrokerError, BrokerSession
from tradertape_brokers.registry import Credentials, MissingExtra, build_broker, new_limiter

#: Requests a second the agent sends a broker in all, beneath the broker's own ceilings:
#: seed 000's "Kite has 3 req/s" (its UI and its poll loop share them); the settings'
#: ``kite_pace`` says otherwise.
PACE = {"kite": 3}
_PACERS: dict[tuple[str, str], RateLimiter] = {}
_PACERS_LOCK = threading.Lock()


def pacer(name: str, api_key: str, per_second: int | None = None) -> RateLimiter:
    """The one limiter of a broker's API key in this process (its ceilings are per key: a
    login that reloads the adapter keeps pacing where the old one left off)."""
    with _PACERS_LOCK:
        found = _PACERS.get((name, api_key))
        if found is None:
            total = per_second or PACE.get(name)
            found = paced(name, total) if total else new_limiter(name)
            _PACERS[name, api_key] = found
        return found


def paced(
    name: str, per_second: int, *, monotonic: Monotonic | None = None, sleep: Sleep | None = None
) -> RateLimiter:
    """A broker's own ceilings per bucket, and `per_second` requests over all of them."""
    clock: dict[str, Any] = {}
    if monotonic is not None:
        clock["monotonic"] = monotonic
    if sleep is not None:
        clock["sleep"] = sleep
    return RateLimiter(own_limits(name), total=(Ceiling(per_second),), **clock)


def own_limits(name: str) -> Limits:
    """A broker's published ceilings (the adapters' own; no SDK needed to read them)."""
    if name == "kite":
        from tradertape_brokers.kite.limits import KITE_LIMITS

        return KITE_LIMITS
    if name == "upstox":
        from tradertape_brokers.upstox.limits import UPSTOX_LIMITS

        return UPSTOX_LIMITS
    from tradertape_brokers.groww.limits import GROWW_LIMITS

    return GROWW_LIMITS


@dataclass
class Loaded:
    """The brokers that answer (by name), and why each other configured one does not."""

    brokers: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def _root(config: Config, name: str) -> str | None:
    return config.secret(name, "root") or None


def skip_kite_ticker() -> None:
    """Stand in for kiteconnect's WebSocket ticker before kiteconnect is first imported.

    The package imports its ticker (Twisted and Autobahn, with a reactor installed at import)
    beside the REST client the adapter uses; the agent streams nothing, so that costs it a
    third of a second of CPU at every start (more on a Raspberry Pi) and the memory of a
    reactor it never runs. Only the agent's own process does this (`Runner.start`); KiteTicker
    is then a function that says why it is not there.
    """
    if "kiteconnect" in sys.modules or "kiteconnect.ticker" in sys.modules:
        return

    def kite_ticker(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("tradertape-agent streams no Kite ticks: KiteTicker is not loaded")

    stand_in = types.ModuleType("kiteconnect.ticker", "tradertape-agent: no Kite ticker")
    stand_in.KiteTicker = kite_ticker  # type: ignore[attr-defined]
    sys.modules["kiteconnect.ticker"] = stand_in


def load_brokers(
    config: Config,
    *,
    upstox_keys: dict[str, str] | None = None,
    mint_groww: Callable[[Config], BrokerSession | None] | None = None,
) -> Loaded:
    """Every broker with both a key and a secret; those without a session are `missing`."""
    loaded = Loaded()
    for name in config.brokers():
        token = config.secret(name, "access_token")
        if not token and name == "groww" and mint_groww is not None:
            try:
                session = mint_groww(config)
            except (BrokerError, ValueError) as exc:
                loaded.missing[name] = f"Broker not connected: groww refused its key ({exc})"
                continue
            token = session.access_token if session else ""
        if not token:
            loaded.missing[name] = (
                f"Broker not connected: {name} has no session yet; log in from the web app's "
                f"{name.title()} login (it hands the token to the agent)"
            )
            continue
        credentials = Credentials(
            api_key=config.secret(name, "api_key"),
            access_token=token,
            api_secret=config.secret(name, "api_secret"),
            root=_root(config, name),
        )
        try:
            # its pacer too: Kite's limits live in the package that imports kiteconnect
            limiter = pacer(name, credentials.api_key, config.kite_pace if name == "kite" else None)
            loaded.brokers[name] = build_broker(
                name,
                credentials,
                instrument_keys=(upstox_keys or {}) if name == "upstox" else None,
                limiter=limiter,
            )
        except ImportError as exc:  # MissingExtra, or the SDK's ModuleNotFoundError
            if not isinstance(exc, MissingExtra) and not _sdk_missing(exc):
                raise
            loaded.missing[name] = missing_extra(name)
    return loaded


def install_command(extra: str | None = None) -> str:
    """What installs the agent, with `extra`: from a clone of the repository (agent/README.md,
    "Install and run"). ``tradertape-agent`` is not published on any index, and a name
    looked up there could be anyone's, so no message tells a user to install it by name."""
    return f'pip install "./agent[{extra}]"' if extra else 'pip install "./agent"'


def missing_extra(name: str) -> str:
    """The user's words for a configured broker whose SDK is not installed."""
    return (
        f"{name} is configured but its SDK is not installed: install the [{name}] extra from "
        f"your clone of TraderTape, {install_command(name)} (or {install_command('all')}), "
        "then restart"
    )


def _sdk_missing(exc: ImportError) -> bool:
    """Whether `exc` is a broker SDK's absence (not a bug of ours importing something)."""
    return isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in SDKS


#: The broker SDKs the extras install (``kiteconnect`` for [kite], ...).
SDKS = frozenset({"kiteconnect", "upstox_client", "growwapi", "websockets"})


def mint_groww(config: Config, *, totp: str | None = None) -> BrokerSession | None:
    """Groww's access token by its key flow: from the approval key and its secret, or from
    a TOTP key and the authenticator's current code. None: no Groww support installed."""
    try:
        from tradertape_brokers.groww import DEFAULT_ROOT
        from tradertape_brokers.groww.login import access_token_from_secret, access_token_from_totp
    except ImportError:
        return None
    root = _root(config, "groww") or DEFAULT_ROOT
    if totp:
        return access_token_from_totp(config.groww_api_key, totp, root)
    return access_token_from_secret(config.groww_api_key, config.groww_api_secret, root)


def exchange_kite(config: Config, request_token: str) -> BrokerSession:
    """A Kite request token (relayed by the cloud) swapped for a session with the secret,
    which never leaves this machine."""
    from tradertape_brokers.kite import DEFAULT_ROOT, checksum, exchange_request_token

    key, secret = config.kite_api_key, config.kite_api_secret
    return exchange_request_token(
        key,
        request_token,
        checksum(key, request_token, secret),
        _root(config, "kite") or DEFAULT_ROOT,
    )


def exchange_upstox(config: Config, code: str, redirect_uri: str | None) -> BrokerSession:
    """An Upstox code (relayed by the cloud) swapped for a session with the secret, which
    never leaves this machine. Upstox wants the redirect URL the login used: the cloud says
    it; an older cloud does not, and its callback is assumed."""
    from tradertape_brokers.upstox.login import UPSTOX_ROOT, exchange_code

    back = redirect_uri or f"{config.cloud_url.rstrip('/')}/api/brokers/upstox/callback"
    return exchange_code(
        config.upstox_api_key,
        config.upstox_api_secret,
        code,
        back,
        _root(config, "upstox") or UPSTOX_ROOT,
    )
