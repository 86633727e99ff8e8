"""Shared CLI plumbing: building the runtime, reporting errors, finding a user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from tradertape.errors import TraderTapeError

if TYPE_CHECKING:  # imported where used: `tradertape --help` loads none of them
    from sqlalchemy.orm import Session

    from tradertape.db.models import User
    from tradertape.runtime import Runtime

console = Console()
err_console = Console(stderr=True)


def attach_terminal() -> None:
    """Fit the shared consoles to this process's streams as they are now.

    A command forked by the CLI host (`tradertape.cli.host`) prints on its caller's
    terminal, whose colours and width these consoles, made when the host started with no
    terminal, never saw; they are made again in place, for every module holding them.
    """
    Console.__init__(console)
    Console.__init__(err_console, stderr=True)


def build_runtime(
    *, serving_at: tuple[str, int] | None = None, demo: bool = False, schema: bool = True
) -> Runtime:
    """Settings from the environment, default ports; with `schema`, a current database.

    When serving and no public base URL is configured, links in e-mails point at the
    address actually served (a wildcard bind is reached through loopback). `demo` turns on
    demo mode (the simulated market keeps ticking outside NSE hours).
    """
    from tradertape.runtime import Runtime
    from tradertape.settings import Settings

    settings = Settings()
    if demo:
        settings = settings.model_copy(update={"demo_mode": True})
    if serving_at is not None and "public_base_url" not in settings.model_fields_set:
        host, port = serving_at
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared, not bound
        settings = settings.model_copy(update={"public_base_url": f"http://{host}:{port}"})
    runtime = Runtime.build(settings)
    if schema:
        ensure_schema(runtime)
    return runtime


def ensure_schema(runtime: Runtime) -> None:
    """Make sure the database has this version's schema, or exit with one line saying why.

    The embedded SQLite file in the data folder is upgraded on the spot (nobody else
    manages it); a configured database (``TRADERTAPE_DATABASE_URL``) is someone's to
    migrate deliberately, so the command stops and names what to run.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from tradertape.db.migrate import current_revision, head_revision, known_revision, upgrade

    engine = runtime.db.engine
    where = make_url(runtime.settings.resolved_database_url).render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        _fail(f"cannot reach the database at {where}: {exc.orig}")
    head = head_revision()
    if current == head:
        return
    if current is not None and not known_revision(current):
        _fail(
            f"the database at {where} is at revision {current}, newer than this version of "
            f"tradertape knows (its newest is {head}): upgrade tradertape"
        )
    if runtime.settings.database_url is None:
        upgrade(engine)
        err_console.print(f"database {where} upgraded to revision {head}", highlight=False)
        return
    state = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
    _fail(f"the database at {where} {state}: run `tradertape db upgrade` first")


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


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
    from tradertape.services.accounts.users import find_user, normalize_email

    user = find_user(db, normalize_email(email))
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user


def iso_day(option: str, text: str) -> date:
    """A ``YYYY-MM-DD`` option's date, or an `InvalidField` naming the option."""
    from tradertape.errors import InvalidField

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidField(option, f"'{text}' is not a date (YYYY-MM-DD)") from None
