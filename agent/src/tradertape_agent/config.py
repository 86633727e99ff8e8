"""The agent's settings file, ``~/.tradertape-agent.json`` (seed 000), readable by its owner only.

`TRADERTAPE_AGENT_CONFIG` names another path (tests, several agents on one machine). Keys the
agent does not know are kept as they are when it writes the file again.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from tradertape_brokers.registry import BROKERS

CONFIG_ENV = "TRADERTAPE_AGENT_CONFIG"
DEFAULT_CLOUD = "https://tradertape.com"
#: The brokers the agent trades at: every adapter the registry builds.
BROKER_NAMES = BROKERS
#: What people call each (the server's rows in ``tradertape.domain.brokers`` say the same:
#: the agent imports nothing from the server, so a test holds the two to one table).
TITLES = {"kite": "Kite", "upstox": "Upstox", "groww": "Groww"}


class ConfigError(Exception):
    """The settings file is missing, unreadable, too open or says something impossible;
    the message is what the user reads."""


def config_path() -> Path:
    """Where the settings live: `TRADERTAPE_AGENT_CONFIG`, else ``~/.tradertape-agent.json``."""
    named = os.environ.get(CONFIG_ENV)
    return Path(named).expanduser() if named else Path.home() / ".tradertape-agent.json"


def journal_path(config: Path) -> Path:
    """The local journal beside the settings (``~/.tradertape-agent.journal.sqlite``)."""
    return config.with_name(config.stem + ".journal.sqlite")


@dataclass
class Config:
    """Everything the agent reads at start-up. The first twelve keys are the seed's."""

    cloud_url: str = DEFAULT_CLOUD
    api_key: str = ""
    primary_broker: str = "kite"
    kite_api_key: str = ""
    kite_api_secret: str = ""
    upstox_api_key: str = ""
    upstox_api_secret: str = ""
    groww_api_key: str = ""
    groww_api_secret: str = ""
    auto_execute: bool = False
    stop_loss_pct: float = 5
    poll_interval: int = 30
    # Each broker's current session (a login writes it) and, for fakes or proxies, its API root.
    kite_access_token: str = ""
    upstox_access_token: str = ""
    groww_access_token: str = ""
    #: When each session ends (ISO 8601, as the broker's login said; blank: not known).
    kite_session_expires: str = ""
    upstox_session_expires: str = ""
    groww_session_expires: str = ""
    kite_root: str = ""
    upstox_root: str = ""
    groww_root: str = ""
    #: Requests a second the agent sends Kite in all (seed 000: "Kite has 3 req/s"); Kite's
    #: own per-kind ceilings (10 orders/s, 1 quote/s) hold beneath it.
    kite_pace: int = 3
    #: Symbols (``NSE:RELIANCE``) reconciliation leaves alone.
    ignore_symbols: list[str] = field(default_factory=list)
    #: Scales quantities, prices and amounts before they reach the cloud; only here.
    obfuscation_factor: str = ""
    #: Random salt of the factor's fingerprint (the cloud sees the fingerprint, not the factor).
    obfuscation_salt: str = ""
    #: The local UI: where it listens (port 0: not at all), the extra host names it answers to
    #: beyond localhost, this machine's addresses and ``<hostname>.local``, and its optional
    #: PIN (``scrypt$<salt>$<hash>``; blank: no PIN).
    ui_host: str = "0.0.0.0"  # noqa: S104 - the seed's LAN-reachable UI; Host checks guard it
    ui_port: int = 5679
    ui_allowed_hosts: list[str] = field(default_factory=list)
    ui_pin_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def secret(self, broker: str, what: str) -> str:
        """``<broker>_<what>`` (``api_key``, ``api_secret``, ``access_token``, ``root``,
        ``session_expires``)."""
        return str(getattr(self, f"{broker}_{what}"))

    def keep_session(self, broker: str, token: str, expires_at: datetime | None) -> None:
        """A broker's new session, and when it ends."""
        setattr(self, f"{broker}_access_token", token)
        setattr(self, f"{broker}_session_expires", expires_at.isoformat() if expires_at else "")

    def brokers(self) -> list[str]:
        """The brokers with both an API key and a secret: the ones the agent loads."""
        return [
            b for b in BROKER_NAMES if self.secret(b, "api_key") and self.secret(b, "api_secret")
        ]

    def problems(self) -> list[str]:
        """What stops the agent from running with these settings (empty: nothing)."""
        found = []
        if not self.cloud_url.startswith(("http://", "https://")):
            found.append(f"cloud_url must start with http:// or https:// (got {self.cloud_url!r})")
        if not self.api_key.startswith("zt_"):
            found.append(
                "api_key must be an agent API key (zt_...): run tradertape-agent configure"
            )
        if self.primary_broker not in BROKER_NAMES:
            found.append(f"primary_broker must be one of {', '.join(BROKER_NAMES)}")
        elif self.primary_broker not in self.brokers():
            found.append(
                f"the primary broker {self.primary_broker} needs "
                f"{self.primary_broker}_api_key and {self.primary_broker}_api_secret"
            )
        if not 0 < self.stop_loss_pct < 100:
            found.append("stop_loss_pct must be between 0 and 100")
        if self.poll_interval < 5:
            found.append("poll_interval must be at least 5 seconds")
        if not 1 <= self.kite_pace <= 10:
            found.append("kite_pace must be 1 to 10 requests a second (Kite refuses more)")
        if not 0 <= self.ui_port <= 65535:
            found.append("ui_port must be a port number (0 turns the local UI off)")
        return found

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        return {**extra, **data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        known = {f.name: f for f in fields(cls) if f.name != "extra"}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            default = getattr(cls(), name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"{name} must be true or false")
            elif isinstance(default, int | float) and not isinstance(value, int | float):
                raise ConfigError(f"{name} must be a number")
            elif isinstance(default, str) and not isinstance(value, str):
                raise ConfigError(f"{name} must be a string")
            elif isinstance(default, list) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise ConfigError(f"{name} must be a list of strings")
            values[name] = value
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra)


def is_private(path: Path) -> bool:
    """Whether only the file's owner can read or write it (mode 600 or stricter)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def load(path: Path, *, require_private: bool = True) -> Config:
    """The settings at `path`. `ConfigError` when missing, not JSON, or (with
    `require_private`) readable by others: it holds the broker secrets."""
    if not path.exists():
        raise ConfigError(f"No settings at {path}: run tradertape-agent configure first")
    if require_private and not is_private(path):
        mode = stat.S_IMODE(path.stat().st_mode)
        raise ConfigError(
            f"{path} can be read by other users (mode {mode:o}); it holds your broker "
            f"secrets. Run: chmod 600 {path}"
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return Config.from_json(data)


def save(config: Config, path: Path) -> None:
    """Write the settings with mode 600 (created so, never readable by others in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(config.to_json(), out, indent=2)
        out.write("\n")
    os.chmod(temp, 0o600)
    os.replace(temp, path)
