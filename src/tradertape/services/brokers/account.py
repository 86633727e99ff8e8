"""The user's account as their active broker reports it, cached to spare rate limits.

Seed 001's ``/api/portfolio/*`` views proxy to the broker of the user's live session and
are cached for about 30 seconds per user: Kite allows a handful of requests per second per
app, and a dashboard polling four views would spend them all. The paper account is local
and cheap, so it is never cached: an order a user just placed shows at once.

Real adapters arrive with the brokers milestone; they plug in through `register` (a
connector turns stored credentials into a `Broker`). Until one is registered for the
broker a user connected, the views serve the paper account and say so in the response's
``X-Broker`` header. A registered broker's expired session is a 409 asking for a new login
(the user expects their broker's account, not paper). Our own order actions drop the
user's cached views.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.db.on_loop import refuse_on_loop
from tradertape.domain.books import ALL
from tradertape.domain.brokers import BrokerName
from tradertape.errors import Conflict, InvalidField, ServiceUnavailable
from tradertape.oms import PaperPortfolio
from tradertape.ports.broker import Broker, BrokerError, SessionExpired, TransientBrokerError
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.brokers.holdings_mark import holdings_at_one_mark

View = Literal["holdings", "positions", "orders", "trades", "margins"]
PAPER = "paper"


class BrokerConnector(Protocol):
    """Builds an adapter for one user's session (an API key and an access token)."""

    def __call__(self, *, api_key: str, access_token: str) -> Broker: ...


@dataclass(frozen=True, slots=True)
class AccountView:
    """One view of the account, where it came from and how old it is."""

    broker: str
    data: Any
    fetched_at: datetime
    age_secs: float


@dataclass(slots=True)
class _Entry:
    data: Any
    fetched_at: datetime


class AccountViews:
    """Reads the account views from the user's active broker, through a per-user cache."""

    def __init__(
        self,
        *,
        clock: Clock,
        credentials: BrokerCredentials,
        paper: PaperPortfolio,
        ttl: timedelta = timedelta(seconds=30),
    ) -> None:
        self._clock = clock
        self._credentials = credentials
        self._paper = paper
        self._ttl = ttl
        self._connectors: dict[BrokerName, BrokerConnector] = {}
        self._cache: dict[tuple[int, str, View], _Entry] = {}
        self._fetching: dict[tuple[int, str, View], threading.Lock] = {}
        self._guard = threading.Lock()

    def register(self, broker: BrokerName, connector: BrokerConnector) -> None:
        """Serve `broker`'s users from its real API (the adapters milestone calls this)."""
        self._connectors[broker] = connector

    def read(self, db: Session, *, user_id: int, view: View) -> AccountView:
        """`view` from the user's connected broker (cached), else from the paper account."""
        now = self._clock.now()
        statuses = self._credentials.all_statuses(db, user_id=user_id)
        for status in statuses:
            connector = self._connectors.get(status.broker)
            if status.connected and connector is not None:
                return self._cached(db, user_id, status.broker, connector, view)
        for status in statuses:  # a dead session is not silently swapped for paper
            if status.status == "expired" and status.broker in self._connectors:
                name = status.broker.value
                raise Conflict(f"the {name} session has expired: log in to {name} again")
        return AccountView(PAPER, _paper_view(self._paper, db, user_id, view), now, 0.0)

    def read_book(self, db: Session, *, user_id: int, view: View, book: str) -> AccountView:
        """`view` of one book (``all``: every paper book, with the connected broker's rows
        after them, each row naming its book; ``paper``: the paper account, every paper book
        and nothing of a broker's, as the web's account switch asks for it). A live book is
        its broker's view.

        The account's funds under ``all`` are the paper account's: a live broker's are its
        own book's (``live:<broker>``).
        """
        if book.startswith("live:"):
            try:
                name = BrokerName(book.removeprefix("live:"))
            except ValueError:
                raise InvalidField("book", f"no broker is called {book!r}") from None
            answer = self.read_broker(db, user_id=user_id, broker=name, view=view)
            return replace(answer, data=_tagged(answer.data, book))
        now = self._clock.now()
        whole = book in (ALL, PAPER)  # every paper book (``paper``: and no broker's rows)
        paper = _paper_view(self._paper, db, user_id, view, None if whole else book)
        if book != ALL or view == "margins":
            return AccountView(PAPER, paper, now, 0.0)
        for status in self._credentials.all_statuses(db, user_id=user_id):
            connector = self._connectors.get(status.broker)
            if status.connected and connector is not None:
                live = self._cached(db, user_id, status.broker, connector, view)
                tagged = _tagged(live.data, f"live:{status.broker.value}")
                return AccountView(f"{PAPER}+{live.broker}", _joined(paper, tagged), now, 0.0)
        return AccountView(PAPER, paper, now, 0.0)

    def read_broker(
        self, db: Session, *, user_id: int, broker: BrokerName, view: View
    ) -> AccountView:
        """`view` from one named broker of the user (cached as `read`'s are), whichever of
        them `read` would pick: the risk monitor reads each live broker's funds this way.

        A broker without a registered adapter is a 409, as a dead session is. It never
        commits (the pre-trade gate reads it inside the order's transaction, under its
        locks): a token the broker rejects is a 409 here, and is marked dead by the next
        view or order that meets it outside a gate.
        """
        connector = self._connectors.get(broker)
        if connector is None:
            raise Conflict(f"{broker.value} cannot be read")
        return self._cached(db, user_id, broker, connector, view, expire=False)

    def check_token(self, broker: BrokerName, *, api_key: str, access_token: str) -> None:
        """Ask `broker` whether `access_token` is a live session (it reads the account's
        margins, the cheapest call every adapter has): a token it refuses is a 422 on
        ``access_token``, a broker that does not answer a 503. Nothing is cached or stored."""
        connector = self._connectors.get(broker)
        if connector is None:
            raise Conflict(f"{broker.value} cannot be reached to check the token")
        refuse_on_loop("a broker's answer may take a while")
        try:
            connector(api_key=api_key, access_token=access_token).margins()
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"{broker.value} did not answer: {exc}") from exc
        except BrokerError as exc:  # a dead or forged token, another app's token
            raise InvalidField(
                "access_token", f"{broker.value} refused the token ({exc}): log in again"
            ) from exc

    def reads(self, broker: BrokerName) -> bool:
        """Whether `broker` has a registered adapter (its views come from its API)."""
        return broker in self._connectors

    def invalidate(self, user_id: int) -> None:
        """Forget the user's cached views (after an order action of theirs)."""
        with self._guard:
            for key in [k for k in self._cache if k[0] == user_id]:
                del self._cache[key]

    def _cached(
        self,
        db: Session,
        user_id: int,
        broker: BrokerName,
        connector: BrokerConnector,
        view: View,
        *,
        expire: bool = True,
    ) -> AccountView:
        refuse_on_loop("a live broker's view may wait for its API")
        key = (user_id, broker.value, view)
        with self._guard:
            fetch_lock = self._fetching.setdefault(key, threading.Lock())
        # One fetch per key at a time: requests that pile up behind it reuse its answer.
        with fetch_lock:
            now = self._clock.now()
            entry = self._cache.get(key)
            if entry is None or now - entry.fetched_at >= self._ttl:
                data = self._fetch(db, user_id, broker, connector, view, expire=expire)
                entry = _Entry(data, now)
                with self._guard:
                    self._cache[key] = entry
        age = max((now - entry.fetched_at).total_seconds(), 0.0)
        return AccountView(broker.value, entry.data, entry.fetched_at, age)

    def _fetch(
        self,
        db: Session,
        user_id: int,
        broker: BrokerName,
        connector: BrokerConnector,
        view: View,
        *,
        expire: bool = True,
    ) -> Any:
        row = self._credentials.get(db, user_id=user_id, broker=broker)
        token = self._credentials.access_token(db, user_id=user_id, broker=broker)
        if row is None or token is None:  # expired between the status check and now
            raise Conflict(
                f"the {broker.value} session has expired: log in to {broker.value} again"
            )
        adapter = connector(api_key=row.api_key, access_token=token)
        try:
            data = _BROKER_VIEWS[view](adapter)
            if view == "holdings":  # every figure of a row at its own last price
                return holdings_at_one_mark(data)
            return _with_slices(db, user_id, broker, data) if view == "orders" else data
        except SessionExpired as exc:
            # The broker killed the token (a master logout): the status says so from now on
            # (unless the caller's transaction must not be committed here).
            if expire:
                self._credentials.expire(db, user_id=user_id, broker=broker)
            raise Conflict(
                f"{broker.value} rejected the session ({exc}): log in to {broker.value} again"
            ) from exc
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"{broker.value} did not answer: {exc}") from exc


_BROKER_VIEWS: dict[View, Callable[[Broker], Any]] = {
    "holdings": lambda b: b.holdings(),
    "positions": lambda b: b.positions(),
    "orders": lambda b: b.orders(),
    "trades": lambda b: b.trades(),
    "margins": lambda b: b.margins(),
}


def _with_slices(db: Session, user_id: int, broker: BrokerName, rows: Any) -> Any:
    """The broker's order rows, each child of an order placed in slices above the freeze
    quantity carrying our parent key in ``meta.slice_parent`` (as the paper book's do), so
    the order book shows the children as one order."""
    if not isinstance(rows, list):
        return rows
    ids = [str(r.get("order_id")) for r in rows if isinstance(r, dict)]
    found = db.execute(
        select(Order.broker_order_id, Order.slice_parent).where(
            Order.user_id == user_id,
            Order.broker == broker.value,
            Order.slice_parent.is_not(None),
            Order.broker_order_id.in_(ids),
        )
    ).all()
    parents = {str(broker_id): parent for broker_id, parent in found}
    if not parents:
        return rows
    return [
        {**r, "meta": {**(r.get("meta") or {}), "slice_parent": parents[str(r["order_id"])]}}
        if isinstance(r, dict) and str(r.get("order_id")) in parents
        else r
        for r in rows
    ]


def _paper_view(
    paper: PaperPortfolio, db: Session, user_id: int, view: View, book: str | None = None
) -> Any:
    reader: Callable[..., Any] = getattr(paper, view)
    return reader(db, user_id=user_id) if book is None else reader(db, user_id=user_id, book=book)


def _tagged(data: Any, book: str) -> Any:
    """A broker's rows, each naming the book they are in."""
    if isinstance(data, list):
        return [{**row, "book": book} for row in data]
    if isinstance(data, dict) and set(data) == {"net", "day"}:
        return {part: _tagged(rows, book) for part, rows in data.items()}
    return data


def _joined(paper: Any, live: Any) -> Any:
    """Two views' rows side by side (lists, or positions' ``net`` and ``day``)."""
    if isinstance(paper, list) and isinstance(live, list):
        return [*paper, *live]
    if isinstance(paper, dict) and isinstance(live, dict):
        return {part: [*paper.get(part, []), *live.get(part, [])] for part in ("net", "day")}
    return paper
