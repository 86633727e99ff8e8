"""FastAPI dependencies: the runtime, a DB session, pagination and the three ways to authenticate.

Each credential reaches one API and no other (docs/api-conventions.md, "Credentials"):

- ``kite_session`` cookie: a person in a browser, on the operator API (`CurrentUser`, or
  `CurrentUserLater` for a route that does its work in one worker thread).
- ``Authorization: Bearer zt_…``: an agent key, on the agent API only (`AgentKeyDep`), so a
  leaked key cannot replace broker credentials, place orders or change risk rules. The one
  exception is what the agent forwards: the statement uploads take a key or a cookie
  (`UploaderDep`).
- ``Authorization: Bearer kwa_…``: a worker token, on the worker API only
  (`worker_action(...)`).

A request's database session is its admission (`serving.admission`): `get_db` first screens the
credential the request carries (`serving.credentials`), then waits for a slot, briefly. A
credential found bad is refused by the dependencies below without a query.

The desk's busiest reads (the pages' polls) take `DeskDep` instead: an async endpoint hands
it its database work, which runs in one worker thread with the session cookie checked
there, in one prepared statement. A sync endpoint with `CurrentUser` and `DbDep` costs three or
four thread hops (the user, the endpoint, the response's validation, the session's close),
each a wait for the GIL under load; a desk read costs one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from tradertape.api.schemas.numbers import Skip
from tradertape.db.engine import Database
from tradertape.db.models import AgentKey, User, WorkerToken
from tradertape.db.on_loop import NeedsThread
from tradertape.errors import Forbidden, Unauthenticated
from tradertape.runtime import Runtime
from tradertape.security.tokens import AGENT_KEY_PREFIX, WORKER_TOKEN_PREFIX
from tradertape.services.accounts import agent_keys, worker_tokens
from tradertape.services.accounts.sessions import Authenticated, SignedIn
from tradertape.services.workers.context import WorkerContext
from tradertape.serving.admission import Gates
from tradertape.serving.credentials import CredentialScreen, malformed_session
from tradertape.serving.loop_reads import LoopReads

SESSION_COOKIE = "kite_session"
MAX_PAGE = 500
_SESSION_REFUSED = "session expired or signed out; sign in again"
_SESSION_ONLY = (
    "this endpoint takes a signed-in session (the kite_session cookie); agent keys "
    "(zt_…) reach only /api/agent/… and the statement uploads, worker tokens (kwa_…) only "
    "/api/algo-workers/worker/…"
)
T = TypeVar("T")


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, set by `create_app` (async: no I/O, so no thread hop)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def worker_contract(runtime: RuntimeDep) -> WorkerContext:
    """The worker contract (`services.workers`): the one service a worker route that only
    calls it is handed, rather than the whole `Runtime` to look it up in (issue 68)."""
    return runtime.workers


WorkersDep = Annotated[WorkerContext, Depends(worker_contract)]


def _check_session(runtime: Runtime, token: str) -> None:
    # The desk reads' check (one prepared statement), not the ORM's two: at start-up every
    # signed-in client's cookie is new to the screen, and the lane checks them two at a time.
    with runtime.db.session() as db:
        if runtime.sessions.signed_in(db, token) is None:
            raise Unauthenticated(_SESSION_REFUSED)


def _check_bearer(runtime: Runtime, secret: str) -> None:
    with runtime.db.session() as db:
        if secret.startswith(AGENT_KEY_PREFIX):
            agent_keys.keys.authenticate(db, clock=runtime.clock, secret=secret)
        else:
            worker_tokens.authenticate(db, clock=runtime.clock, secret=secret)


async def screen_session(request: HTTPConnection, runtime: Runtime, token: str) -> str | None:
    """Why a session cookie is refused (None: valid), from its shape, the cache, or a check
    in the credential lane (`serving.credentials`)."""
    if malformed_session(token):
        return _SESSION_REFUSED
    screen: CredentialScreen = request.app.state.credentials
    return await screen.screen(token, lambda: _check_session(runtime, token))


async def _screen(request: Request, runtime: Runtime) -> None:
    """Screen the request's bearer secret, else its cookie; remember a refusal on the request."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret.startswith(
            (AGENT_KEY_PREFIX, WORKER_TOKEN_PREFIX)
        ):
            return  # refused by the dependency that reads it, without a query
        screen: CredentialScreen = request.app.state.credentials
        refusal = await screen.screen(secret, lambda: _check_bearer(runtime, secret))
    else:
        secret = request.cookies.get(SESSION_COOKIE) or ""
        if not secret:
            return
        refusal = await screen_session(request, runtime, secret)
    if refusal is not None:
        request.state.refused = (secret, refusal)


def _refuse_screened(request: Request, secret: str) -> None:
    """Raise the screen's refusal of `secret`, if it refused it."""
    refused: tuple[str, str] | None = getattr(request.state, "refused", None)
    if refused is not None and refused[0] == secret:
        raise Unauthenticated(refused[1])


async def get_db(request: Request, runtime: RuntimeDep) -> AsyncIterator[Session]:
    """A session per request, once the request is admitted; services commit, anything
    uncommitted is rolled back.

    Async, so it costs no thread hop: opening a session does no I/O, and neither does
    closing one whose work was committed, nor any on SQLite (`Database.rolls_back_at_once`).
    A session still in a transaction (a read, a refusal) on PostgreSQL is closed in a worker
    thread, where its rollback waits on the server.

    The session and its slot last as long as the route (``scope="function"``), not as long
    as its answer: a JSON answer is built by then, and a stream's answer lasts as long as
    its client stays, holding no slot meanwhile (`serving.open_streams`).
    """
    await _screen(request, runtime)
    gates: Gates = request.app.state.gates
    await gates.requests.acquire()
    try:
        session = runtime.db.sessions()
        try:
            yield session
        finally:
            if session.in_transaction() and not runtime.db.rolls_back_at_once:
                # Shielded: a cancelled request (a stream whose client left) still closes it.
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(session.close)
            else:
                session.close()
    finally:
        gates.requests.release()


DbDep = Annotated[Session, Depends(get_db, scope="function")]


@dataclass(frozen=True, slots=True)
class Page:
    """``limit``/``offset`` of a list endpoint."""

    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows to return (max 500)")] = 50,
    offset: Annotated[Skip, Query(description="rows to skip")] = 0,
) -> Page:
    """Validated pagination; beyond the maximum is a 422 naming `limit` (async: no I/O, so
    no thread hop)."""
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page_params)]


def client_ip(request: Request) -> str | None:
    """The sender's address: the peer's, or, from a proxy the operator listed
    (``forwarded_allow_ips``), the X-Forwarded-For uvicorn read for it (`serving.process.
    trusted_proxies`); no header is read here, so no sender can pick its address."""
    return request.client.host if request.client else None


def bearer_secret(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer`` header, if one is present."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <key>'")
    return secret.strip()


def _session_token(request: Request) -> str:
    """The request's session cookie, unless it is missing or screened out (401); no I/O."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        if bearer_secret(request) is not None:
            raise Unauthenticated(_SESSION_ONLY)
        raise Unauthenticated("not signed in")
    _refuse_screened(request, token)
    return token


def _cookie_session(request: Request, runtime: Runtime, db: Session) -> Authenticated:
    token = _session_token(request)
    found = runtime.sessions.authenticate(db, token)
    if found is None:
        raise Unauthenticated(_SESSION_REFUSED)
    return found


def current_login(request: Request, runtime: RuntimeDep, db: DbDep) -> Authenticated:
    """A browser session (cookie) only: for sign-out and for minting keys and tokens."""
    return _cookie_session(request, runtime, db)


SessionLogin = Annotated[Authenticated, Depends(current_login)]


def session_user(login: SessionLogin) -> User:
    """The user of the browser session."""
    return login.user


SessionUser = Annotated[User, Depends(session_user)]


def current_user(request: Request, runtime: RuntimeDep, db: DbDep) -> User:
    """The signed-in person of the operator API (a browser session; never a key or token)."""
    return _cookie_session(request, runtime, db).user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(frozen=True, slots=True)
class SessionCookie:
    """A browser session's cookie, present and screened, not yet looked up.

    A route hands `run` its work, which runs in one worker thread with its own database
    session and the person looked up there, as a desk read's (`Desk.read`): the lookup, the
    work and the answer then cost one thread hop, where a sync route with `CurrentUser`
    costs three (the user, the route, the answer's validation), and no session dependency
    is opened and closed around the route (`get_db`'s generator: about a tenth of an
    order's CPU on the loop, issue 69). For the operator API's busiest writes: placing,
    changing and cancelling orders and GTTs, the order ticket's preview, and a backtest. A
    missing or screened-out cookie is refused before the body is read, as by
    `CurrentUser`; one the screen still holds good (signed out a moment ago) is refused
    after it, so a bad body there is a 422 first, as on the worker API's intents. The
    database slot (`serving.admission`) is taken for `run`, as `get_db` takes it for a
    route.
    """

    request: Request
    runtime: Runtime

    def signed_in(self, db: Session) -> SignedIn:
        """Who is signed in (401 otherwise), in one prepared statement, as a desk read
        checks it (`SessionService.signed_in`: no ORM rows built); blocking."""
        found = self.runtime.sessions.signed_in(db, _session_token(self.request))
        if found is None:
            raise Unauthenticated(_SESSION_REFUSED)
        return found

    async def run(self, work: Callable[[Session, SignedIn], T]) -> T:
        """`work`'s answer, given a database session and who is signed in (401 when
        nobody is), in one worker thread, once the request holds a database slot."""
        gates: Gates = self.request.app.state.gates
        async with gates.requests.admit():
            return await run_in_threadpool(self._work, work)

    def _work(self, work: Callable[[Session, SignedIn], T]) -> T:
        with self.runtime.db.session() as db:
            return work(db, self.signed_in(db))


async def session_cookie(request: Request) -> SessionCookie:
    """`CurrentUser`, looked up later in the route's own thread (`SessionCookie`). The
    cookie is screened as `get_db` screens it; a missing or screened-out cookie is refused
    here, before the body is read. The runtime is read off the app as `get_runtime` reads
    it, not asked as a dependency of its own: FastAPI solves each level of dependencies on
    every request, a tenth of the order route's work on the event loop (issue 69)."""
    runtime: Runtime = request.app.state.runtime
    await _screen(request, runtime)
    _session_token(request)  # no I/O: no thread hop
    return SessionCookie(request, runtime)


CurrentUserLater = Annotated[SessionCookie, Depends(session_cookie)]


class Desk:
    """A desk read's database work in a session that first checks the cookie
    (`SessionService.signed_in`: one prepared statement, nothing cached, so a sign-out
    refuses the next request at once).

    On a SQLite file the work runs on the event loop, in `LoopReads`' queue; work that
    would wait there (a due session slide, a live broker) refuses at once and runs again,
    as everywhere else, after admission in a worker thread. As with `get_db` and
    `CurrentUser`, a refused cookie is admitted first and refused after: a full queue is a
    503 whatever the credential.
    """

    def __init__(
        self,
        gates: Gates,
        threads: anyio.CapacityLimiter,
        loop: LoopReads | None,
        screen: CredentialScreen,
        runtime: Runtime,
        token: str,
        refusal: str | None,
    ) -> None:
        self._gates = gates
        self._threads = threads
        self._loop = loop
        self._screen = screen
        self._token = token
        self._refusal = refusal  # why the cookie is refused, found before admission
        self.runtime = runtime

    async def read(self, work: Callable[[Session, SignedIn], T]) -> T:
        """`work`'s answer, given a session and the signed-in user (401 when signed out)."""
        reads = self.runtime.db.loop_reads
        if self._loop is not None and reads is not None and self._refusal is None:
            try:
                return await self._loop.run(lambda: self._run(work, reads, slide_later=True))
            except NeedsThread:
                pass  # nothing was written (the session is gone): again, where it may wait
            except Unauthenticated as refused:
                if refused.detail == _SESSION_REFUSED:
                    self._screen.refused(self._token, refused.detail)
                raise
            finally:
                sessions = self.runtime.sessions
                if sessions.ask_flush():
                    self._loop.spawn(sessions.slide_due, self.runtime.db.jobs)
        await self._gates.requests.acquire()
        try:
            if self._refusal is not None:
                raise Unauthenticated(self._refusal)
            return await anyio.to_thread.run_sync(
                self._run, work, self.runtime.db, limiter=self._threads
            )
        finally:
            self._gates.requests.release()

    def _run(
        self,
        work: Callable[[Session, SignedIn], T],
        database: Database,
        *,
        slide_later: bool = False,
    ) -> T:
        with database.session() as db:
            user = self.runtime.sessions.signed_in(db, self._token, slide_later=slide_later)
            if user is None:
                raise Unauthenticated(_SESSION_REFUSED)
            return work(db, user)


async def desk(request: Request, runtime: RuntimeDep) -> Desk:
    """The desk read of a signed-in browser session, its cookie screened as `get_db`
    screens one (a made-up or refused cookie costs no query)."""
    token = request.cookies.get(SESSION_COOKIE) or ""
    refusal: str | None = None
    if not token:
        try:
            refusal = _SESSION_ONLY if bearer_secret(request) is not None else "not signed in"
        except Unauthenticated as malformed:  # answered after admission, as `CurrentUser` does
            refusal = malformed.detail
    elif request.app.state.loop_reads is not None and not malformed_session(token):
        # The read checks the session itself, on the loop: a cookie new to the screen costs
        # no check in the credential lane (1,000 clients reconnecting queued there).
        refusal = request.app.state.credentials.recall(token)
    else:
        refusal = await screen_session(request, runtime, token)
    state = request.app.state
    return Desk(
        state.gates,
        state.read_threads,
        state.loop_reads,
        state.credentials,
        runtime,
        token,
        refusal,
    )


DeskDep = Annotated[Desk, Depends(desk)]


def admin_user(user: CurrentUser) -> User:
    """The caller, who must be an admin."""
    if not user.is_admin:
        raise Forbidden("admin only")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def agent_key(request: Request, runtime: RuntimeDep, db: DbDep) -> AgentKey:
    """An agent key with the ``agent`` scope (the local agent's endpoints)."""
    secret = bearer_secret(request)
    if secret is None:
        raise Unauthenticated("missing 'Authorization: Bearer zt_…' header")
    if not secret.startswith(AGENT_KEY_PREFIX):
        raise Unauthenticated("agent endpoints take an agent key (zt_…)")
    _refuse_screened(request, secret)
    key, owner_active = agent_keys.keys.authenticate_with_owner(
        db, clock=runtime.clock, secret=secret
    )
    if not owner_active:
        raise Unauthenticated("the key's account is disabled")
    if "agent" not in key.scopes:
        raise Forbidden("this API key lacks the 'agent' scope")
    return key


AgentKeyDep = Annotated[AgentKey, Depends(agent_key)]


@dataclass(frozen=True, slots=True)
class Uploader:
    """Who sends a statement: a person in a browser, or their agent forwarding a file (its
    key; the agent may have scaled it, `agent` is then the key)."""

    user_id: int
    agent: AgentKey | None


def uploader(request: Request, runtime: RuntimeDep, db: DbDep) -> Uploader:
    """An agent key (``Authorization: Bearer zt_…``) or else the browser session: the
    uploads are the only operator routes the agent reaches (it forwards tradebooks and
    ledgers, scaled when obfuscation is on). A worker token is refused."""
    secret = bearer_secret(request)
    if secret is not None and secret.startswith(AGENT_KEY_PREFIX):
        key = agent_key(request, runtime, db)
        return Uploader(user_id=key.user_id, agent=key)
    return Uploader(user_id=_cookie_session(request, runtime, db).user.id, agent=None)


UploaderDep = Annotated[Uploader, Depends(uploader)]


def _worker_secret(request: Request) -> str:
    """The ``Authorization: Bearer kwa_…`` secret, unless its shape or the screen refuses it
    (401, no query)."""
    secret = bearer_secret(request)
    if secret is None:
        raise Unauthenticated("missing 'Authorization: Bearer kwa_…' header")
    if not secret.startswith(WORKER_TOKEN_PREFIX):
        raise Unauthenticated("worker endpoints take a worker token (kwa_…)")
    _refuse_screened(request, secret)
    return secret


def _holding(token: WorkerToken, actions: tuple[str, ...]) -> WorkerToken:
    """`token` if it holds one of `actions` (403 naming the first otherwise)."""
    if not any(a in token.allowed_actions for a in actions):
        worker_tokens.require_action(token, actions[0])
    return token


def worker_token(request: Request, runtime: RuntimeDep, db: DbDep) -> WorkerToken:
    """The live worker token of an ``Authorization: Bearer kwa_…`` header."""
    secret = _worker_secret(request)
    return worker_tokens.authenticate(db, clock=runtime.clock, secret=secret)


WorkerTokenDep = Annotated[WorkerToken, Depends(worker_token)]


def worker_action(
    action: str, *alternatives: str
) -> Callable[[WorkerToken], Awaitable[WorkerToken]]:
    """A dependency that requires the worker token to hold `action` (or an alternative)."""

    async def check(token: WorkerTokenDep) -> WorkerToken:  # no I/O: no thread hop
        return _holding(token, (action, *alternatives))

    return check


@dataclass(frozen=True, slots=True)
class WorkerCredential:
    """A worker token's secret, its shape checked and screened but not yet looked up.

    A route whose work runs in a worker thread hands it to `run`: admitted as `get_db`
    admits a request, the session opened, the token looked up and the work done, all in one
    thread hop and without a session dependency (a generator dependency's exit stack cost
    the loop more than the session it yields: bench/profile_worker_order.py). For the
    worker API's writes that place orders: its intents, and an option run's entry and exit.
    """

    secret: str
    actions: tuple[str, ...]
    runtime: Runtime
    gates: Gates
    refusal: str | None  # the screen's, raised after admission as `get_db`'s is

    def token(self, db: Session) -> WorkerToken:
        """The live token, holding one of the actions (401 or 403 otherwise); blocking."""
        if self.refusal is not None:
            raise Unauthenticated(self.refusal)
        found = worker_tokens.authenticate(db, clock=self.runtime.clock, secret=self.secret)
        return _holding(found, self.actions)

    async def run(self, work: Callable[[Session, WorkerToken], T]) -> T:
        """`work`'s answer, given a session and the live token, in one worker thread once
        admitted (503 when no slot comes); the session is closed (rolled back if
        uncommitted) in that thread."""
        await self.gates.requests.acquire()
        try:
            return await run_in_threadpool(self._run, work)
        finally:
            self.gates.requests.release()

    def _run(self, work: Callable[[Session, WorkerToken], T]) -> T:
        with self.runtime.db.session() as db:
            return work(db, self.token(db))


def worker_credential(
    action: str, *alternatives: str
) -> Callable[[Request], Awaitable[WorkerCredential]]:
    """`worker_action`, looked up later in the route's own thread (`WorkerCredential`)."""

    async def secret(request: Request) -> WorkerCredential:  # no I/O: no thread hop
        runtime: Runtime = request.app.state.runtime
        found = _worker_secret(request)
        await _screen(request, runtime)
        refused: tuple[str, str] | None = getattr(request.state, "refused", None)
        refusal = refused[1] if refused is not None and refused[0] == found else None
        gates: Gates = request.app.state.gates
        return WorkerCredential(found, (action, *alternatives), runtime, gates, refusal)

    return secret


def client_file_name(filename: str | None) -> str:
    """An uploaded file's name as the user's machine gave it, without a folder or control
    characters, at most 255 characters (``"upload"`` when none is left): what every upload's
    report and error names."""
    name = "".join(c for c in (filename or "") if c.isprintable())
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "upload"
