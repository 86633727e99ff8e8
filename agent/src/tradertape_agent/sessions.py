"""Loading the configured brokers, and their sessions: a token in the settings, Groww's
minted from its key and secret, Kite's relayed by the cloud from the web app's login."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tradertape_agent.config import Config
from tradertape_brokers.port import BrokerError, BrokerSession
from tradertape_brokers.registry import Credentials, MissingExtra, build_broker


@dataclass
class Loaded:
    """The brokers that answer (by name), and why each other configured one does not."""

    brokers: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def _root(config: Config, name: str) -> str | None:
    return config.secret(name, "root") or None


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
            loaded.brokers[name] = build_broker(
                name,
                credentials,
                instrument_keys=(upstox_keys or {}) if name == "upstox" else None,
            )
        except MissingExtra:
            loaded.missing[name] = (
                f"{name} needs its SDK: pip install 'tradertape-agent[{name}]' "
                "(or tradertape-agent[all])"
            )
    return loaded


def mint_groww(config: Config) -> BrokerSession | None:
    """Groww's access token from its approval key and secret (its key flow)."""
    try:
        from tradertape_brokers.groww import DEFAULT_ROOT
        from tradertape_brokers.groww.login import access_token_from_secret
    except ImportError:
        return None
    return access_token_from_secret(
        config.groww_api_key, config.groww_api_secret, _root(config, "groww") or DEFAULT_ROOT
    )


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
