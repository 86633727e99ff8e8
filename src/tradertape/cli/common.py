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


def build_runtime() -> Runtime:
    """Settings from the environment, default ports."""
    from tradertape.settings import Settings

    return Runtime.build(Settings())


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
