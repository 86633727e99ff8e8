"""Server settings, read once from the environment (prefix ``TRADERTAPE_``) and ``.env``.

Defaults make a laptop install work with no configuration: a data folder in the
home directory, SQLite in it, a secret key generated on first start into a 0600
file, no SMTP (mail goes to the outbox and the log), no Redis (in-process bus),
the simulated market as the feed, and live trading off.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    AwareDatetime,
    Field,
    IPvAnyAddress,
    IPvAnyNetwork,
    SecretStr,
    TypeAdapter,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tradertape.data_home import DEFAULT_DATA_DIR
from tradertape.security.files import private_file, private_folder

SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret
AUDIT_ANCHOR_FILE = "audit-anchors.json"


def split_list(text: str) -> tuple[str, ...]:
    """``"10.0.0.1, 10.1.0.0/16"`` as its items (an environment variable's list)."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


PROXY_NETWORKS: TypeAdapter[tuple[IPvAnyNetwork, ...]] = TypeAdapter(tuple[IPvAnyNetwork, ...])
"""Reads ``serve --forwarded-allow-ips`` as the setting does."""


class SmtpSettings(BaseSettings):
    """Outgoing mail; unset `host` means mail is only logged and kept in the outbox."""

    model_config = SettingsConfigDict(
        env_prefix="TRADERTAPE_SMTP_", env_file=".env", extra="ignore"
    )

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = "TraderTape <no-reply@tradertape.local>"
    starttls: bool = True
    timeout_s: float = 10.0


class Settings(BaseSettings):
    """Typed, validated configuration of one server process."""

    model_config = SettingsConfigDict(
        env_prefix="TRADERTAPE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Field(default_factory=lambda: Path(DEFAULT_DATA_DIR).expanduser())
    database_url: str | None = None
    secret_key: SecretStr | None = None
    # Where the generated key lives when `secret_key` is unset: by default in the data
    # folder; elsewhere (another disk, a secrets mount) so a copy of the folder has no key.
    secret_key_file: Path | None = None
    # The audit trail's anchors (`services.audit.anchors`): each user's head, signed, written
    # here this often by the process that leads the market jobs; by default in the data
    # folder, better on another disk or a mount the database's host cannot rewrite.
    audit_anchor_file: Path | None = None
    audit_anchor_every_secs: int = Field(default=300, ge=10, le=86_400)
    public_base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    # The prefix of this installation's Redis channels; unset, one derived from the database
    # (bus.namespace), so installations sharing a Redis never share channels.
    redis_namespace: str | None = Field(default=None, min_length=1, max_length=64)
    # The market data feed: the simulated market, Kite's ticker or Upstox's market data feed
    # (each with a stored live session of that broker, see feed.kite and feed.upstox; Upstox's
    # is reached under upstox_root) or none.
    feed: Literal["simulated", "kite", "upstox", "none"] = "simulated"
    # Kite's ticker WebSocket (a fake's ws:// URL in tests and demos).
    kite_ticker_url: str = "wss://ws.kite.trade"
    # Demo: the simulated market keeps ticking outside NSE hours (replaying the last session).
    demo_mode: bool = False
    # The server's clock starts at this instant (aware) and runs at wall speed: a demo or an
    # end-to-end run plays the same day, and the same simulated prices, whatever the wall time.
    clock_start: AwareDatetime | None = None
    feed_speed: float = Field(default=1.0, gt=0)
    feed_interval_secs: float = Field(default=1.0, gt=0)
    live_trading_enabled: bool = False
    # Live brokers are reconciled against our books at start-up and this often in market
    # hours (docs/live-trading.md, "Reconciliation").
    reconcile_every_mins: int = Field(default=5, ge=1)
    # Where the Groww adapter sends its requests (a fake Groww on loopback in tests, demos).
    groww_root: str = "https://api.groww.in"
    # Ready the server before /api/health turns green: load (or compile) the indicator and
    # backtest kernels in the background, and build every route's request handling, so no
    # first request pays for them (jobs.kernels, api.app.ready_routes).
    warm_kernels: bool = True
    # Algo workers (the kite-algo worker contract's defaults).
    # Seed 001: live broker views are cached about 30 s per user (the brokers' rate limits).
    broker_data_cache_secs: float = Field(default=30.0, ge=0, le=600)
    # Where the Upstox SDK and the login dialog go (a fake on loopback in tests and demos).
    upstox_root: str = "https://api.upstox.com"
    worker_safety_token_secs: float = Field(default=10.0, gt=0, le=300)
    worker_session_freshness_secs: int = Field(default=60, ge=5)
    worker_claim_without_heartbeat_secs: int = Field(default=120, ge=5)
    # Every new user's paper account opens with this much cash (₹10,00,000), credited once
    # as a deposit when the user is created; 0: accounts start empty. The old name, from
    # when only algo workers funded an account, is still read.
    paper_opening_balance: Decimal = Field(
        default=Decimal(1_000_000),
        ge=0,
        max_digits=15,
        decimal_places=2,
        validation_alias=AliasChoices(
            "TRADERTAPE_PAPER_OPENING_BALANCE", "TRADERTAPE_WORKER_PAPER_OPENING_BALANCE"
        ),
    )
    # Recovery of runs whose worker went quiet, and of exits still working.
    worker_run_stale_action_secs: int = Field(default=180, ge=30)
    worker_stale_recovery_secs: int = Field(default=30, ge=1)
    worker_exiting_recovery_secs: int = Field(default=10, ge=1)
    # Worker streams (SSE, WebSockets): how often they look for news, when they heartbeat.
    worker_stream_poll_secs: float = Field(default=0.25, gt=0, le=5)
    worker_stream_heartbeat_secs: float = Field(default=15.0, gt=0, le=300)
    # Streams one user may hold open at once (every SSE route and the worker WebSockets,
    # `serving.open_streams`, docs/limits.md): one more is a 429 with Retry-After. An open
    # stream holds no database slot (each read takes one), so the cap can be generous: a
    # worker run's page holds two, and a trader keeps several tabs open.
    streams_per_user: int = Field(default=12, ge=1, le=1000)
    # Tick sockets (`WS /api/ws/ticks`) one user may hold open at once: the next is closed
    # with 4429 (`serving.open_files`). A trader's tabs each hold one.
    tick_sockets_per_user: int = Field(default=8, ge=1, le=1000)
    # Open files kept free of connections (database files, logs, uploads, the bus): the
    # server takes at most the process's RLIMIT_NOFILE less this many connections (503
    # past it) and gives tick sockets at most half of that (`serving.open_files`).
    open_files_reserve: int = Field(default=256, ge=16, le=1_000_000)
    # Parameter sweeps and backtests share one set of slots, handed out to users in turn
    # (`backtest.fair`): this many cores' worth for one user (0: every core this process may
    # use; 1: sweeps in their own thread), and one more kept for another user. On the local
    # pool (its processes: the slots) or an existing Ray cluster's (then Ray runs sweeps'
    # chunks, this many and one more of this server's at once).
    sweep_workers: int = Field(default=0, ge=0, le=256)
    ray_address: str | None = None
    # Most variants one sweep may hold (a request may ask for fewer).
    sweep_max_variants: int = Field(default=2000, ge=1, le=100_000)
    # Heavy jobs one user may have under way at once in this process (docs/limits.md, "Heavy
    # jobs"); one more is a 429 with Retry-After.
    max_backtests_per_user: int = Field(default=4, ge=1, le=1000)
    max_sweeps_per_user: int = Field(default=4, ge=1, le=1000)
    max_uploads_per_user: int = Field(default=2, ge=1, le=1000)
    max_exports_per_user: int = Field(default=2, ge=1, le=1000)
    # Telegram: the bot runs (long polling) only when a token is set.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_poll_timeout_secs: int = Field(default=30, ge=0, le=50)
    # Request limits (docs/limits.md): checked before a handler runs, so nothing is written.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    # `/api/uploads/…`: statement files (each at most `max_upload_file_bytes`), several at once
    max_upload_body_bytes: int = Field(default=128 * 1_048_576, ge=1024)
    max_upload_file_bytes: int = Field(default=50 * 1_048_576, ge=1024)
    max_json_depth: int = Field(default=32, ge=4, le=256)
    # Load: the request pool (connections; the background jobs have a pool of their own),
    # how long a request waits for a connection, and admission in front of it: at most
    # `request_queue_max` requests wait, each at most `request_queue_secs`, before a 503 with
    # Retry-After. `credential_check_slots` of the pool check credentials never seen before,
    # so a flood of made-up cookies or tokens cannot take the connections signed-in users need.
    # The queue holds twice the 1,000 clients a process is sized for (issue 25): at 1,000 it
    # was full with 1,000 signed-in pollers, and the few beyond it were refused at once, asked
    # again at once and were refused again; the time bound is what answers an overload.
    db_pool_size: int = Field(default=10, ge=2, le=200)
    db_pool_timeout_secs: float = Field(default=1.0, gt=0, le=30)
    request_queue_secs: float = Field(default=5.0, gt=0, le=30)
    request_queue_max: int = Field(default=2000, ge=1)
    credential_check_slots: int = Field(default=2, ge=1)
    # How many of the desk's reads (`api.deps.Desk`) run at once, in worker threads; unset:
    # 4 on SQLite, whose reads hold the GIL from start to end (more threads only take turns
    # with the event loop that answers everyone else), the request pool's size elsewhere.
    read_threads: int | None = Field(default=None, ge=1, le=200)
    # On a SQLite file the desk's reads run on the event loop itself (`serving.loop_reads`);
    # those that would wait there, and every read when this is off, take `read_threads`.
    reads_on_loop: bool = True
    # The event loop thread's CPU priority (`serving.priority`): `high` (nice -10) or
    # `realtime` (SCHED_RR) keep the tick fan-out on time on a machine busy past its cores;
    # they need root or CAP_SYS_NICE (without it, a log line and the normal priority).
    loop_priority: Literal["normal", "high", "realtime"] = "normal"
    log_json: bool = False
    session_days: int = 30
    login_challenge_minutes: int = 15
    auth_attempts_per_minute: int = 5
    otp_max_wrong_tries: int = 5
    # The built web app (index.html, assets/); unset: the folder inside the installed package.
    web_dist: Path | None = None
    # Zerodha Kite: the REST root and the login page (a local fake in tests and demos:
    # `tradertape fake-broker kite`, then http://127.0.0.1:PORT and .../connect/login).
    kite_root: str = "https://api.kite.trade"
    kite_login_url: str = "https://kite.zerodha.com/connect/login"
    # How long a Kite REST call may take before the adapter calls it a timeout (live
    # orders are then looked up by their tag, never sent twice).
    kite_timeout_secs: float = 7.0
    # The same for Upstox's and Groww's REST calls (live orders are then looked up by their
    # tag / order_reference_id, never sent twice).
    upstox_timeout_secs: float = Field(default=10.0, gt=0, le=120)
    groww_timeout_secs: float = Field(default=10.0, gt=0, le=120)
    # How a live model portfolio's exit leaves (TRADERTAPE_LIVE_PORTFOLIO_EXITS): "gtt", a
    # SELL GTT bracketing the last price (Kite takes GTTs from any IP: the default), or
    # "order", a SELL order (an AMO after hours) for a server on the IP registered with
    # the broker (SEBI's static-IP rule; docs/live-trading.md).
    live_portfolio_exits: Literal["gtt", "order"] = "gtt"
    # SEBI's retail-algo rules (docs/live-trading.md, "SEBI's retail-algo rules"): each
    # client's orders, paper and live, on every path and broker, at most this many a second
    # (10 for an algo not registered with the exchange; a registered one may be allowed more).
    order_rate_per_sec: int = Field(default=10, ge=1, le=1000)
    # Each assistant key's calls to the MCP server (`tradertape.mcp`), in any minute, shared
    # by every server process; past it a call is refused (and audited) until the minute ends.
    assistant_calls_per_minute: int = Field(default=120, ge=1, le=10_000)
    # The algo id each live order records: the exchange's id of a registered algo, or this
    # placeholder for an unregistered retail algo under the threshold.
    algo_id: str = Field(default="RETAIL-UNREGISTERED", min_length=1, max_length=32)
    # The address this server's orders leave from (what the broker must have registered as
    # your static IP), when the server sits behind NAT; unset: detected from the socket.
    egress_ip: IPvAnyAddress | None = None
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses
    # or networks, comma-separated; ``serve --forwarded-allow-ips``). Empty by default: a
    # request's address is its peer's, so no sender picks its own (a hook's allowed_ips, the
    # per-address login limits). uvicorn alone would believe 127.0.0.1.
    forwarded_allow_ips: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return split_list(value) if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @cached_property
    def smtp(self) -> SmtpSettings:
        """SMTP settings (their own env prefix)."""
        return SmtpSettings()

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.expanduser() / 'tradertape.db'}"

    @property
    def cookie_secure(self) -> bool:
        """Whether the session cookie carries `Secure` (only behind https)."""
        return self.public_base_url.startswith("https://")

    def ensure_data_dir(self) -> Path:
        """Create the data folder if missing, make it private (folders 0700, files 0600,
        whatever existed, and the process's umask for what comes) and return it."""
        return private_folder(self.data_dir)

    @property
    def audit_anchor_path(self) -> Path:
        """Where the audit trail's anchors are kept (`audit_anchor_file`, or the data folder)."""
        if self.audit_anchor_file is not None:
            return self.audit_anchor_file.expanduser()
        return self.data_dir.expanduser() / AUDIT_ANCHOR_FILE

    @cached_property
    def secret(self) -> str:
        """The server secret: from the environment, else a 0600 file created on first use."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.secret_key_file is None:
            key_file = self.ensure_data_dir() / SECRET_KEY_FILE
        else:
            key_file = self.secret_key_file.expanduser()
            key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not key_file.exists():
            # O_EXCL: two processes starting together never overwrite each other's key.
            try:
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        private_file(key_file)
        return key_file.read_text().strip()
