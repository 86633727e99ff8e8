"""Shared CLI plumbing: building the runtime, reporting errors, finding a user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from tradertape.db.models import User
from tradertape.errors import TraderTapeError
from tradertape.runtime import Runtime

console = Console()
err_console = Console(stderr=True)


def build_runtime(*, serving_at: tuple[str, int] | None = None, demo: bool = False) -> Runtime:
    """Settings from the environment, default ports.

    When serving and no public base URL is configured, links in e-mails point at the
    address actually served (a wildcard bind is reached through loopback). `demo` turns on
    demo mode (the simulated market keeps ticking outside NSE hours).
    """
    from tradertape.settings import Settings

    settings = Settings()
    if demo:
        settings = settings.model_copy(update={"demo_mode": True})
    if serving_at is not None and "public_base_url" not in settings.model_fields_set:
        host, port = serving_at
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared, not bound
        settings = settings.model_copy(update={"public_base_url": f"http://{host}:{port}"})
    return Runtime.build(settings)


@contextmanager
def service_errors() -> Iterator[None]:
    """Print an expected failure as one red line and exit 1 (no traceback)."""
    try:
        yield
    except TraderTapeError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc


def user_by_email(db: Session, email: str) -> User:
    """The user with this e-mail, or a clean exit."""
    from tradertape.errors import NotFound
    from tradertape.services.users import find_user, normalize_email

    user = find_user(db, normalize_email(email))
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user
