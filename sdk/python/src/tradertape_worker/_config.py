"""Connection settings, the environment variables of seed 002, and the live-mode gate.

=============================  ==================================  =======================
Variable                       Purpose                             Default
=============================  ==================================  =======================
``KITE_ALGO_API_BASE``         backend base URL                    http://localhost:18777
``KITE_ALGO_WORKER_TOKEN``     worker token (``kwa_…``)            required
``KITE_ALGO_ACCOUNT_SCOPE``    account scope                       kite:paper-a
``KITE_ALGO_EXECUTION_MODE``   ``dry_run``, ``paper`` or ``live``  dry_run
``KITE_ALGO_ENABLE_LIVE``      live-mode acknowledgement           unset: live is refused
``KITE_ALGO_TIMEOUT``          HTTP timeout in seconds             10
=============================  ==================================  =======================
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from tradertape_worker._exceptions import ClientValidationError, LiveTradingNotEnabledError

ENV_API_BASE = "KITE_ALGO_API_BASE"
ENV_TOKEN = "KITE_ALGO_WORKER_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_ACCOUNT_SCOPE = "KITE_ALGO_ACCOUNT_SCOPE"
ENV_EXECUTION_MODE = "KITE_ALGO_EXECUTION_MODE"
ENV_ENABLE_LIVE = "KITE_ALGO_ENABLE_LIVE"
ENV_TIMEOUT = "KITE_ALGO_TIMEOUT"

DEFAULT_API_BASE = "http://localhost:18777"
DEFAULT_ACCOUNT_SCOPE = "kite:paper-a"
DEFAULT_EXECUTION_MODE = "dry_run"
EXECUTION_MODES = ("dry_run", "paper", "live")


class AlgoWorkerConfig(BaseModel):
    """Where the backend is and how to authenticate to it."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(min_length=1)
    token: str = Field(min_length=1, repr=False)
    timeout: float = Field(default=10.0, gt=0)
    api_prefix: str = "/api/algo-workers"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlgoWorkerConfig:
        """Read ``KITE_ALGO_API_BASE``, ``KITE_ALGO_WORKER_TOKEN`` and ``KITE_ALGO_TIMEOUT``."""
        env = os.environ if environ is None else environ
        token = env.get(ENV_TOKEN, "").strip()
        if not token:
            raise ClientValidationError(f"set {ENV_TOKEN} to a worker token (kwa_…)")
        try:
            timeout = float(env.get(ENV_TIMEOUT) or 10.0)
        except ValueError:
            raise ClientValidationError(f"{ENV_TIMEOUT} must be a number of seconds") from None
        return cls(base_url=env.get(ENV_API_BASE) or DEFAULT_API_BASE, token=token, timeout=timeout)

    def url(self, path: str) -> str:
        """The absolute URL of a worker API path (``/worker/health``)."""
        prefix = "/" + self.api_prefix.strip("/")
        return f"{self.base_url.rstrip('/')}{prefix}/{path.lstrip('/')}"


def live_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the operator acknowledged live trading (``KITE_ALGO_ENABLE_LIVE=1``)."""
    env = os.environ if environ is None else environ
    return env.get(ENV_ENABLE_LIVE, "").strip() == "1"


def require_mode(mode: str, environ: Mapping[str, str] | None = None) -> str:
    """`mode` if it is known and, for ``live``, acknowledged; raise otherwise."""
    if mode not in EXECUTION_MODES:
        raise ClientValidationError(f"execution_mode must be one of {', '.join(EXECUTION_MODES)}")
    if mode == "live" and not live_enabled(environ):
        raise LiveTradingNotEnabledError(
            f"live execution is refused unless {ENV_ENABLE_LIVE}=1 is set (a deliberate guard)"
        )
    return mode


def env_scope_and_mode(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``KITE_ALGO_ACCOUNT_SCOPE`` and ``KITE_ALGO_EXECUTION_MODE`` (gated), with defaults."""
    env = os.environ if environ is None else environ
    scope = env.get(ENV_ACCOUNT_SCOPE) or DEFAULT_ACCOUNT_SCOPE
    mode = env.get(ENV_EXECUTION_MODE) or DEFAULT_EXECUTION_MODE
    return scope, require_mode(mode, env)
