"""One user's wealth (spec §10.5 "Wealth", §11): every holding they have, valued.

Sources, each broker counted once, the most direct first:

1. a **connected broker** whose API we read (its holdings and available cash);
2. else the **agent's** latest snapshot for that broker (holdings, and cash when sent);
3. else the **uploaded tradebooks'** open delivery positions of that broker's accounts
   (FIFO, corporate actions applied), marked at the latest tick or daily close, with the
   cash of the newest ledger balance of the account;
4. demat shares from a **CAS** whose ISIN no source above holds (the depository's view of
   the same shares is not counted twice);
5. **mutual funds** from the newest CAS of each folio and scheme, valued at the newest NAV:
   an imported AMFI ``NAVAll.txt`` when it is newer than the statement, else the CAS's
   own valuation. Each scheme's XIRR is over its transactions and its value on the day
   of that NAV (a statement's value as of 31 March is money on 31 March, not today); a
   NAV older than a week (`STALE_NAV_DAYS`) is flagged, to import a newer one.

Every value says the day it is of (``as_of``): a connected broker's today, the agent's
the day it read the broker, an upload's the day of its price (a tick, else a daily close),
a CAS's its statement's, a fund's its NAV's, a ledger balance its posting day's.

Paper books are not wealth and are left out. A broker that cannot be read (an expired
session) is a warning, and the rest is still shown. Day P&L is a holding's change since
the previous close (a broker's own ``day_change``; else the last two daily closes; for a
fund the last two NAVs imported).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.db.models import (
    CasHoldingRow,
    FundNav,
    FundTransaction,
    LedgerLine,
    TradeUpload,
    UploadedTrade,
)
from tradertape.domain.brokers import of_statements
from tradertape.errors import TraderTapeError
from tradertape.journal.bounds import sane_amount, sane_day
from tradertape.journal.xirr import xirr
from tradertape.oms import QuoteBook
from tradertape.services.agent import snapshots
from tradertape.services.brokers.account import AccountViews
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.journal import ledger

ZERO = Decimal(0)
STALE_NAV_DAYS = 7  # a NAV older than this asks for a newer AMFI file
# money out of a fund, as CAS transaction types name it (units go down)
OUTFLOW_TYPES = ("REDEMPTION", "SWITCH_OUT", "SWITCH_OUT_MERGER")
# rows a CAS lists that are no money in or out (taxes, charges show as their own rows)
NO_MONEY_TYPES = ("STAMP_DUTY_TAX", "TDS_TAX", "STT_TAX", "MISC", "REVERSAL", "SEGREGATION")


@dataclass(frozen=True, slots=True)
class Prices:
    """Marks for symbols: the latest price, the day it is of, and the previous close,
    where known."""

    last: dict[str, Decimal]
    previous: dict[str, Decimal]
    days: dict[str, date] = field(default_factory=dict)


PriceSource = Callable[[list[str]], Prices]


@dataclass(slots=True)
class Holding:
    """An equity holding of one source."""

    source: str  # broker | agent | upload | cas
    broker: str
    account: str
    symbol: str
    isin: str | None
    exchange: str
    quantity: Decimal
    average_price: Decimal | None
    last_price: Decimal | None
    previous_close: Decimal | None
    obfuscated: bool = False
    as_of: date | None = None  # the day `last_price` is of

    @property
    def value(self) -> Decimal | None:
        return None if self.last_price is None else self.last_price * self.quantity

    @property
    def cost(self) -> Decimal | None:
        return None if self.average_price is None else self.average_price * self.quantity

    @property
    def pnl(self) -> Decimal | None:
        value, cost = self.value, self.cost
        return None if value is None or cost is None else value - cost

    @property
    def day_pnl(self) -> Decimal | None:
        if self.last_price is None or self.previous_close is None:
            return None
        return (self.last_price - self.previous_close) * self.quantity


@dataclass(slots=True)
class Fund:
    """A mutual fund scheme in one folio."""

    folio: str | None
    amc: str | None
    scheme: str
    isin: str | None
    amfi: str | None
    units: Decimal
    nav: Decimal | None
    nav_date: date | None
    nav_source: str  # amfi | cas
    previous_nav: Decimal | None
    invested: Decimal | None
    xirr: Decimal | None
    flows: list[tuple[date, Decimal]] = field(default_factory=list)
    nav_stale: bool = False  # no NAV date, or one more than `STALE_NAV_DAYS` old

    @property
    def value(self) -> Decimal | None:
        return None if self.nav is None else self.nav * self.units

    @property
    def as_of(self) -> date | None:
        return self.nav_date

    @property
    def gain(self) -> Decimal | None:
        value = self.value
        return None if value is None or self.invested is None else value - self.invested

    @property
    def day_pnl(self) -> Decimal | None:
        if self.nav is None or self.previous_nav is None:
            return None
        return (self.nav - self.previous_nav) * self.units


@dataclass(frozen=True, slots=True)
class Cash:
    source: str
    broker: str
    amount: Decimal
    as_of: date | None = None


@dataclass(slots=True)
class Wealth:
    holdings: list[Holding]
    funds: list[Fund]
    cash: list[Cash]
    warnings: list[str]
    funds_xirr: Decimal | None

    @property
    def equity(self) -> Decimal:
        return sum((h.value for h in self.holdings if h.value is not None), ZERO)

    @property
    def mutual_funds(self) -> Decimal:
        return sum((f.value for f in self.funds if f.value is not None), ZERO)

    @property
    def cash_total(self) -> Decimal:
        return sum((c.amount for c in self.cash), ZERO)

    @property
    def net_worth(self) -> Decimal:
        return self.equity + self.mutual_funds + self.cash_total

    @property
    def day_pnl(self) -> Decimal:
        parts = [h.day_pnl for h in self.holdings] + [f.day_pnl for f in self.funds]
        return sum((p for p in parts if p is not None), ZERO)

    @property
    def oldest_as_of(self) -> date | None:
        """The day of the oldest figure counted in the totals (None when none is dated)."""
        return oldest(
            [h.as_of for h in self.holdings if h.value is not None]
            + [f.as_of for f in self.funds if f.value is not None]
            + [c.as_of for c in self.cash]
        )

    def allocation(self) -> list[tuple[str, Decimal, Decimal]]:
        """(asset class, value, share of net worth) for equity, mutual funds and cash."""
        total = self.net_worth
        parts = [("equity", self.equity), ("mutual_funds", self.mutual_funds)]
        parts.append(("cash", self.cash_total))
        return [(name, value, value / total if total else ZERO) for name, value in parts]


@dataclass(frozen=True, slots=True)
class Sources:
    """What a wealth read consults (the route builds it from the runtime)."""

    views: AccountViews
    credentials: BrokerCredentials
    reference: ledger.Reference
    prices: PriceSource
    today: date


def oldest(days: Sequence[date | None]) -> date | None:
    """The earliest of `days` that is known."""
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _broker_row(
    row: Mapping[str, Any], source: str, broker: str, obfuscated: bool, as_of: date
) -> Holding:
    quantity = (_decimal(row.get("quantity")) or ZERO) + (_decimal(row.get("t1_quantity")) or ZERO)
    last = _decimal(row.get("last_price"))
    previous = _decimal(row.get("close_price"))
    change = _decimal(row.get("day_change"))
    if previous is None and last is not None and change is not None:
        previous = last - change
    return Holding(
        source=source,
        broker=broker,
        account=broker,
        symbol=str(row.get("tradingsymbol") or ""),
        isin=row.get("isin") or None,
        exchange=str(row.get("exchange") or "NSE"),
        quantity=quantity,
        average_price=_decimal(row.get("average_price")),
        last_price=last,
        previous_close=previous or None,
        obfuscated=obfuscated,
        as_of=as_of if last is not None else None,
    )


def _available_cash(margins: Any) -> Decimal | None:
    if not isinstance(margins, Mapping):
        return None
    if "available_cash" in margins:
        return _decimal(margins["available_cash"])
    equity = margins.get("equity")
    if isinstance(equity, Mapping):
        available = equity.get("available")
        if isinstance(available, Mapping):
            return _decimal(available.get("live_balance", available.get("cash")))
        return _decimal(equity.get("net"))
    return None


def _live(
    db: Session, user_id: int, sources: Sources, wealth: Wealth
) -> set[str]:  # the brokers read
    read: set[str] = set()
    for status in sources.credentials.all_statuses(db, user_id=user_id):
        if not status.connected or not sources.views.reads(status.broker):
            continue
        name = status.broker.value
        try:
            rows = sources.views.read_broker(
                db, user_id=user_id, broker=status.broker, view="holdings"
            ).data
            margins = sources.views.read_broker(
                db, user_id=user_id, broker=status.broker, view="margins"
            ).data
        except TraderTapeError as problem:
            wealth.warnings.append(f"{name} could not be read: {problem}")
            continue
        read.add(name)
        today = sources.today
        wealth.holdings.extend(_broker_row(r, "broker", name, False, today) for r in rows or [])
        cash = _available_cash(margins)
        if cash is not None:
            wealth.cash.append(Cash("broker", name, cash, today))
    return read


def _agent(db: Session, user_id: int, read: set[str], wealth: Wealth) -> set[str]:
    seen: set[str] = set()
    for snap in snapshots.latest(db, user_id=user_id, kind=snapshots.HOLDINGS):
        if snap.broker in read:
            continue
        seen.add(snap.broker)
        read_on = ledger.ist_today(snap.as_of)
        wealth.holdings.extend(
            _broker_row(r, "agent", snap.broker, snap.obfuscated, read_on) for r in snap.rows or []
        )
        if snap.obfuscated:
            wealth.warnings.append(
                f"{snap.broker} (agent): quantities are scaled by the agent's secret factor"
            )
    for snap in snapshots.latest(db, user_id=user_id, kind=snapshots.POSITIONS):
        if snap.broker in read or not snap.margins:
            continue
        cash = _available_cash(snap.margins)
        if cash is not None:
            wealth.cash.append(Cash("agent", snap.broker, cash, ledger.ist_today(snap.as_of)))
    return seen


def _uploads(db: Session, user_id: int, covered: set[str], sources: Sources, w: Wealth) -> None:
    accounts = {
        (code or broker): broker
        for code, broker in db.execute(
            select(UploadedTrade.account_code, UploadedTrade.broker)
            .where(UploadedTrade.user_id == user_id)
            .distinct()
        )
    }
    wanted = {a for a, b in accounts.items() if of_statements(b) not in covered}
    if wanted:
        book = ledger.book(db, user_id=user_id, reference=sources.reference, today=sources.today)
        held = [
            p
            for p in book.open
            if p.account in wanted and p.segment == "EQ" and p.direction == "long"
        ]
        prices = sources.prices(sorted({p.symbol for p in held}))
        for p in held:
            w.holdings.append(
                Holding(
                    source="upload",
                    broker=accounts[p.account],
                    account=p.account,
                    symbol=p.symbol,
                    isin=p.isin,
                    exchange="NSE",
                    quantity=p.quantity,
                    average_price=p.cost / p.quantity if p.quantity else None,
                    last_price=prices.last.get(p.symbol),
                    previous_close=prices.previous.get(p.symbol),
                    as_of=prices.days.get(p.symbol),
                )
            )
            if p.symbol not in prices.last:
                w.warnings.append(f"{p.symbol}: no price known; it is left out of the totals")
    # the newest ledger balance of each uploaded account not read otherwise
    newest = (
        select(LedgerLine.account_code, func.max(LedgerLine.id))
        .where(LedgerLine.user_id == user_id, LedgerLine.net_balance.is_not(None))
        .group_by(LedgerLine.account_code)
    )
    for account, line_id in db.execute(newest).all():
        line = db.get(LedgerLine, line_id)
        upload = db.get(TradeUpload, line.upload_id) if line is not None else None
        if line is None or upload is None or line.net_balance is None:
            continue
        if not sane_amount(line.net_balance):
            continue  # stored before statements were checked (`journal.bounds`)
        if of_statements(upload.broker) in covered:
            continue
        w.cash.append(Cash("ledger", account or upload.broker, line.net_balance, line.posting_date))


def _newest_cas(db: Session, user_id: int, kind: str) -> list[CasHoldingRow]:
    rows = db.scalars(
        select(CasHoldingRow).where(CasHoldingRow.user_id == user_id, CasHoldingRow.kind == kind)
    ).all()
    newest: dict[tuple[str, str], CasHoldingRow] = {}
    for row in rows:
        if not sane_amount(row.units, row.price, row.value, row.cost) or not sane_day(row.as_of):
            continue  # stored before statements were checked (`journal.bounds`)
        key = (row.folio or "", row.isin or row.amfi or row.name)
        kept = newest.get(key)
        if kept is None or (row.as_of or date.min, row.id) > (kept.as_of or date.min, kept.id):
            newest[key] = row
    return sorted(newest.values(), key=lambda r: (r.name, r.folio or ""))


def _cas_equity(db: Session, user_id: int, sources: Sources, w: Wealth) -> None:
    held = {h.isin for h in w.holdings if h.isin}
    rows = [r for r in _newest_cas(db, user_id, "equity") if r.isin not in held and r.units > 0]
    for row in rows:
        w.holdings.append(
            Holding(
                source="cas",
                broker="demat",
                account=row.folio or "demat",
                symbol=row.name,
                isin=row.isin,
                exchange="NSE",
                quantity=row.units,
                average_price=None,
                last_price=row.price,
                previous_close=None,
                as_of=row.as_of,
            )
        )


def _navs(db: Session, user_id: int) -> dict[str, list[tuple[date, Decimal]]]:
    """Scheme (AMFI code and each ISIN) → its two newest NAVs, newest first."""
    ranked = select(FundNav.amfi, FundNav.isin, FundNav.isin_reinvest, FundNav.day, FundNav.nav)
    found: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for amfi, isin, reinvest, day, nav in db.execute(
        ranked.where(FundNav.user_id == user_id).order_by(FundNav.day.desc())
    ):
        for key in (amfi, isin, reinvest):
            if key and len(found[key]) < 2:
                found[key].append((day, nav))
    return found


def fund_flows(db: Session, user_id: int) -> dict[tuple[str, str], list[tuple[date, Decimal]]]:
    """(folio, scheme key) → the scheme's cash flows (purchases negative, redemptions
    positive), from the CAS transactions."""
    flows: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    query = select(FundTransaction).where(FundTransaction.user_id == user_id)
    for row in db.scalars(query.order_by(FundTransaction.day, FundTransaction.id)):
        if row.amount is None or row.type.upper() in NO_MONEY_TYPES:
            continue
        if not sane_amount(row.amount, row.units) or not sane_day(row.day):
            continue  # stored before statements were checked (`journal.bounds`)
        key = (row.folio, row.isin or row.amfi or row.scheme)
        kind = row.type.upper()
        outflow = kind in OUTFLOW_TYPES or (row.units is not None and row.units < 0)
        if "DIVIDEND_PAYOUT" in kind:
            flows[key].append((row.day, abs(row.amount)))
        elif "REINVEST" in kind:
            continue  # bought with a dividend the fund kept: no money moved
        else:
            flows[key].append((row.day, abs(row.amount) if outflow else -abs(row.amount)))
    return flows


#: AMFI publishes NAVs to 4 decimal places.
NAV_PLACES = Decimal("0.0001")


def nav_of(value: Decimal, units: Decimal) -> Decimal:
    """A NAV from a statement's value and units, to AMFI's 4 places (not Decimal's 28
    digits: ₹10,000 over 3 units is 3333.3333, not 3333.333333333333333333333333)."""
    return (value / units).quantize(NAV_PLACES, ROUND_HALF_UP)


def _funds(db: Session, user_id: int, today: date, w: Wealth) -> None:
    navs = _navs(db, user_id)
    flows = fund_flows(db, user_id)
    every: list[tuple[date, Decimal]] = []
    for row in _newest_cas(db, user_id, "mf"):
        if row.units <= 0:
            continue
        known = navs.get(row.amfi or "") or navs.get(row.isin or "") or []
        # a NAV of nil is none (casparser reads some summary statements' NAV as 0)
        price = row.price if row.price is not None and row.price > 0 else None
        nav, nav_date, source, previous = price, row.as_of, "cas", None
        if price is None and row.value is not None and row.units:
            nav = nav_of(row.value, row.units)
        if known and (row.as_of is None or known[0][0] >= row.as_of):
            (nav_date, nav), source = known[0], "amfi"
            previous = known[1][1] if len(known) > 1 else None
        key = (row.folio or "", row.isin or row.amfi or row.name)
        history = flows.get(key, [])
        fund = Fund(
            folio=row.folio,
            amc=None,
            scheme=row.name,
            isin=row.isin,
            amfi=row.amfi,
            units=row.units,
            nav=nav,
            nav_date=nav_date,
            nav_source=source,
            previous_nav=previous,
            # the statement's cost, else the money put in less the money taken out
            invested=row.cost
            if row.cost is not None or not history
            else -sum((a for _, a in history), ZERO),
            xirr=None,
            flows=list(history),
            nav_stale=nav_date is None or (today - nav_date).days > STALE_NAV_DAYS,
        )
        value = fund.value
        if value is not None and history:
            # the value is money on the NAV's day: dated today, a year-old NAV would
            # spread the same gain over a year more
            valued_on = max(nav_date or today, *(day for day, _ in history))
            series = [*history, (valued_on, value)]
            fund.xirr = xirr(series)
            every.extend(series)
        w.funds.append(fund)
        if nav is None:
            w.warnings.append(f"{row.name}: no NAV known; it is left out of the totals")
    w.funds_xirr = xirr(every) if every else None


def wealth(db: Session, *, user_id: int, sources: Sources) -> Wealth:
    """Everything the user holds, valued (see the module's notes for the sources)."""
    found = Wealth(holdings=[], funds=[], cash=[], warnings=[], funds_xirr=None)
    read = _live(db, user_id, sources, found)
    covered = read | _agent(db, user_id, read, found)
    _uploads(db, user_id, covered, sources, found)
    _cas_equity(db, user_id, sources, found)
    _funds(db, user_id, sources.today, found)
    found.holdings.sort(key=lambda h: (h.symbol, h.broker, h.account))
    return found


def mutual_funds(db: Session, *, user_id: int, today: date) -> Wealth:
    """The CAS mutual funds alone, valued as `wealth` values them (the local agent's Mutual
    Funds page): no broker is read."""
    found = Wealth(holdings=[], funds=[], cash=[], warnings=[], funds_xirr=None)
    _funds(db, user_id, today, found)
    return found


def candle_prices(store: CandleStore, quotes: QuoteBook, day: date) -> PriceSource:
    """Latest tick (else the last daily close) and the close before it, from the candles."""

    def prices(symbols: list[str]) -> Prices:
        last: dict[str, Decimal] = {}
        previous: dict[str, Decimal] = {}
        dated: dict[str, date] = {}
        start = max(day - timedelta(days=31), store.calendar.first_day)
        for symbol in symbols:
            key = f"NSE:{symbol}"
            try:
                panel = store.load_panel([key], start, day)
            except (LookupError, ValueError, OSError):
                continue
            if not panel.keys:
                continue
            closes = panel.close[:, 0]
            seen = np.flatnonzero(~np.isnan(closes))
            tick = quotes(key)
            if tick is not None:
                last[symbol] = tick.last_price
                dated[symbol] = ledger.ist_today(tick.ts)
                if seen.size:
                    previous[symbol] = Decimal(str(closes[seen[-1]]))
            elif seen.size:
                last[symbol] = Decimal(str(closes[seen[-1]]))
                dated[symbol] = panel.days[seen[-1]].astype("datetime64[D]").item()
                if seen.size > 1:
                    previous[symbol] = Decimal(str(closes[seen[-2]]))
        return Prices(last, previous, dated)

    return prices


def merged(rows: Sequence[Holding]) -> list[dict[str, Any]]:
    """One row per symbol (by ISIN where known): quantities, values and day P&L summed."""
    groups: dict[str, list[Holding]] = defaultdict(list)
    for h in rows:
        groups[h.isin or h.symbol].append(h)
    out: list[dict[str, Any]] = []
    for group in groups.values():
        values = [h.value for h in group if h.value is not None]
        days = [h.day_pnl for h in group if h.day_pnl is not None]
        out.append(
            {
                "symbol": group[0].symbol,
                "isin": group[0].isin,
                "quantity": sum((h.quantity for h in group), ZERO),
                "value": sum(values, ZERO) if values else None,
                "day_pnl": sum(days, ZERO) if days else None,
                "last_price": next((h.last_price for h in group if h.last_price), None),
                "sources": sorted({f"{h.source}:{h.broker}" for h in group}),
                "as_of": oldest([h.as_of for h in group if h.value is not None]),
            }
        )
    out.sort(key=lambda r: str(r["symbol"]))
    return out


__all__ = ["Fund", "Holding", "Sources", "Wealth", "candle_prices", "oldest", "wealth"]
