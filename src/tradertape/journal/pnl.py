"""FIFO round trips per account and symbol, with corporate actions applied to held lots first.

Trades are replayed in time order. A buy first closes the account's open short lots of the
symbol, oldest first, and opens a long lot with what is left; a sell does the same the
other way round. Before the first trade of each day, the day's corporate actions
(`journal.actions`) change the lots held the evening before. A round trip's P&L is its
sale value less its cost, before charges; ``charges`` are the share of the opening and
closing trades' charges that its quantity carries, and ``net`` is P&L less charges. Where
both trades' STT is known (a priced upload: `journal.costs`), ``stt`` is the share of it
inside ``charges``, so s.48 can deduct the rest exactly.

Amounts are exact decimals (a partial close takes ``cost × q / quantity``); they are rounded
to the paisa only where they are shown.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from tradertape.domain.calendar import IST
from tradertape.domain.expiry import SETTLEMENT_CLOSE, settle
from tradertape.journal.actions import Action, Kind
from tradertape.journal.expiry import EXPIRY, Expiring, delivered_trade
from tradertape.journal.trades import JournalTrade, in_time

ZERO = Decimal(0)
LONG = "long"
SHORT = "short"


def _added(opening: Decimal | None, unit: Decimal | None, quantity: Decimal) -> Decimal | None:
    """A trip's STT: its opening share and its closing trade's per unit, when both known."""
    if opening is None or unit is None:
        return None
    return opening + unit * quantity


def _notes(*notes: str | None) -> str:
    """The charges notes of a trip's trades, each once."""
    return "; ".join(dict.fromkeys(n for n in notes if n))


@dataclass(slots=True)
class Lot:
    """An open position's slice: one opening trade's quantity (or an action's)."""

    account: str
    symbol: str
    isin: str | None
    segment: str
    direction: str
    quantity: Decimal
    cost: Decimal  # value at open of the remaining quantity (a short: its sale value)
    charges: Decimal  # the opening trade's charges left on the remaining quantity
    acquired: date
    acquired_at: datetime | None
    source: str  # the opening trade's source, or the action that made the lot
    via: str = ""  # "", "bonus", "merger HDFC", "demerger RELIANCE", "split"
    charges_note: str = ""  # why the opening trade's charges are uneven (a booked fill's)
    stt: Decimal | None = None  # the STT inside `charges`, when known

    def take(self, quantity: Decimal) -> tuple[Decimal, Decimal, Decimal | None]:
        """Remove `quantity`; return its cost, charges and the STT among them."""
        if quantity == self.quantity:
            cost, charges, stt = self.cost, self.charges, self.stt
        else:
            cost = self.cost * quantity / self.quantity
            charges = self.charges * quantity / self.quantity
            stt = None if self.stt is None else self.stt * quantity / self.quantity
        self.quantity -= quantity
        self.cost -= cost
        self.charges -= charges
        if self.stt is not None and stt is not None:
            self.stt -= stt
        return cost, charges, stt


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A matched open and close of one quantity."""

    account: str
    symbol: str
    isin: str | None
    segment: str
    direction: str
    quantity: Decimal
    opened: date
    opened_at: datetime | None
    closed: date
    closed_at: datetime | None
    open_value: Decimal
    close_value: Decimal
    charges: Decimal
    open_source: str
    close_source: str
    kind: str = "trade"  # trade | buyback
    via: str = ""
    intraday: bool = False
    # why its charges differ from an identical trip's: its trades' `charges_note`s
    charges_note: str = ""
    stt: Decimal | None = None  # the STT inside `charges`, when known for both its trades

    @property
    def pnl(self) -> Decimal:
        """Gross P&L: sale value less cost, whichever came first."""
        if self.direction == LONG:
            return self.close_value - self.open_value
        return self.open_value - self.close_value

    @property
    def net(self) -> Decimal:
        return self.pnl - self.charges

    @property
    def buy_value(self) -> Decimal:
        return self.open_value if self.direction == LONG else self.close_value

    @property
    def sell_value(self) -> Decimal:
        return self.close_value if self.direction == LONG else self.open_value

    @property
    def held_days(self) -> int:
        return (self.closed - self.opened).days


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """What is still held of a symbol in an account, marked at ``mark`` when known."""

    account: str
    symbol: str
    isin: str | None
    segment: str
    direction: str
    quantity: Decimal
    cost: Decimal
    mark: Decimal | None
    # the expiry day of a contract that expired with no settlement price known: never marked
    expired_on: date | None = None

    @property
    def unrealised(self) -> Decimal | None:
        if self.mark is None or self.expired_on is not None:
            return None
        value = self.mark * self.quantity
        return value - self.cost if self.direction == LONG else self.cost - value


@dataclass(slots=True)
class Book:
    """The engine's result."""

    trips: list[RoundTrip] = field(default_factory=list)
    open: list[OpenPosition] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # "split 1:5 INFY 2024-03-15 (ZX1234)"


class _Engine:
    def __init__(self, actions: Sequence[Action]) -> None:
        self.lots: dict[tuple[str, str], deque[Lot]] = defaultdict(deque)
        self.actions = sorted(actions, key=lambda a: a.ex_date)
        self.next_action = 0
        self.book = Book()

    # --------------------------------------------------------------- corporate actions
    def act_until(self, day: date) -> None:
        """Apply every action whose ex-date is on or before `day` not applied yet."""
        while (
            self.next_action < len(self.actions) and self.actions[self.next_action].ex_date <= day
        ):
            self.apply(self.actions[self.next_action])
            self.next_action += 1

    def _held(self, symbol: str) -> list[tuple[str, deque[Lot]]]:
        return [
            (account, lots)
            for (account, held), lots in self.lots.items()
            if held == symbol and any(lot.direction == LONG for lot in lots)
        ]

    def apply(self, action: Action) -> None:
        for account, lots in self._held(action.symbol):
            longs = [lot for lot in lots if lot.direction == LONG]
            self.book.applied.append(
                f"{action.kind.value} {action.ratio[0]}:{action.ratio[1]} {action.symbol} "
                f"{action.ex_date} ({account})"
            )
            _APPLY[action.kind](self, action, account, lots, longs)

    def _split(self, action: Action, account: str, lots: deque[Lot], longs: list[Lot]) -> None:
        first, second = action.ratio
        for lot in longs:
            lot.quantity = lot.quantity * second / first

    def _bonus(self, action: Action, account: str, lots: deque[Lot], longs: list[Lot]) -> None:
        first, second = action.ratio
        held = sum((lot.quantity for lot in longs), ZERO)
        extra = (held * first / second).to_integral_value(ROUND_FLOOR)
        if extra:
            lots.append(
                replace(
                    longs[0],
                    quantity=extra,
                    cost=ZERO,
                    charges=ZERO,
                    stt=ZERO,
                    acquired=action.ex_date,
                    acquired_at=None,
                    via="bonus",
                )
            )

    def _merger(self, action: Action, account: str, lots: deque[Lot], longs: list[Lot]) -> None:
        first, second = action.ratio
        new_symbol = action.new_symbol or action.symbol
        target = self.lots[account, new_symbol]
        for lot in longs:
            lots.remove(lot)
            lot.symbol = new_symbol
            lot.isin = None
            lot.quantity = lot.quantity * second / first
            lot.via = f"merger {action.symbol}"
            target.append(lot)
        _sort(target)

    def _demerger(self, action: Action, account: str, lots: deque[Lot], longs: list[Lot]) -> None:
        first, second = action.ratio
        share = action.cost_share or ZERO
        new_symbol = action.new_symbol or action.symbol
        target = self.lots[account, new_symbol]
        for lot in longs:
            child_cost = lot.cost * share
            child_charges = lot.charges * share
            child_stt = None if lot.stt is None else lot.stt * share
            target.append(
                replace(
                    lot,
                    symbol=new_symbol,
                    isin=None,
                    quantity=lot.quantity * second / first,
                    cost=child_cost,
                    charges=child_charges,
                    stt=child_stt,
                    via=f"demerger {action.symbol}",
                )
            )
            lot.cost -= child_cost
            lot.charges -= child_charges
            if lot.stt is not None and child_stt is not None:
                lot.stt -= child_stt
        _sort(target)

    def _buyback(self, action: Action, account: str, lots: deque[Lot], longs: list[Lot]) -> None:
        first, second = action.ratio
        held = sum((lot.quantity for lot in longs), ZERO)
        accepted = (held * first / second).to_integral_value(ROUND_FLOOR)
        if accepted and action.price is not None:
            self._close_long(
                account,
                action.symbol,
                accepted,
                price=action.price,
                day=action.ex_date,
                at=None,
                source="buyback",
                charges=ZERO,
                stt=ZERO,
                kind="buyback",
            )

    # --------------------------------------------------------------- trades
    def trade(self, trade: JournalTrade, charges: Decimal, stt: Decimal | None) -> None:
        self.act_until(trade.day)
        opposite = SHORT if trade.side == "buy" else LONG
        lots = self.lots[trade.account, trade.symbol]
        left = trade.quantity
        unit_charges = charges / trade.quantity
        unit_stt = None if stt is None else stt / trade.quantity
        while left > 0 and lots:
            lot = _first(lots, opposite)
            if lot is None:
                break
            take = min(left, lot.quantity)
            cost, open_charges, open_stt = lot.take(take)
            self.book.trips.append(
                RoundTrip(
                    account=trade.account,
                    symbol=trade.symbol,
                    isin=lot.isin or trade.isin,
                    segment=trade.segment,
                    direction=lot.direction,
                    quantity=take,
                    opened=lot.acquired,
                    opened_at=lot.acquired_at,
                    closed=trade.day,
                    closed_at=trade.at,
                    open_value=cost,
                    close_value=take * trade.price,
                    charges=open_charges + unit_charges * take,
                    open_source=lot.source,
                    close_source=trade.source,
                    via=lot.via,
                    intraday=lot.acquired == trade.day and not lot.via,
                    charges_note=_notes(lot.charges_note, trade.charges_note),
                    stt=_added(open_stt, unit_stt, take),
                )
            )
            if lot.quantity == 0:
                _drop(lots, lot)
            left -= take
        if left > 0:
            lots.append(
                Lot(
                    account=trade.account,
                    symbol=trade.symbol,
                    isin=trade.isin,
                    segment=trade.segment,
                    direction=LONG if trade.side == "buy" else SHORT,
                    quantity=left,
                    cost=left * trade.price,
                    charges=unit_charges * left,
                    acquired=trade.day,
                    acquired_at=trade.at,
                    source=trade.source,
                    charges_note=trade.charges_note or "",
                    stt=None if unit_stt is None else unit_stt * left,
                )
            )

    def _close_long(
        self,
        account: str,
        symbol: str,
        quantity: Decimal,
        *,
        price: Decimal,
        day: date,
        at: datetime | None,
        source: str,
        charges: Decimal,
        stt: Decimal | None,
        kind: str,
    ) -> None:
        lots = self.lots[account, symbol]
        left = quantity
        while left > 0:
            lot = next((lot for lot in lots if lot.direction == LONG), None)
            if lot is None:
                return
            take = min(left, lot.quantity)
            share = charges * take / quantity
            unit_stt = None if stt is None else stt / quantity
            self._close_lot(
                account, symbol, lot, take, price, share, day, at, source, kind=kind, stt=unit_stt
            )
            if lot.quantity == 0:
                lots.remove(lot)
            left -= take

    # --------------------------------------------------------------- expiry
    def expire(self, expiring: Mapping[str, Expiring]) -> dict[str, date]:
        """Close what is still held of each expired contract at its settlement, on its
        expiry day (nothing trades a contract after it); symbol → expiry day of those whose
        settlement price is unknown, left open."""
        unpriced: dict[str, date] = {}
        for (account, symbol), lots in list(self.lots.items()):
            found = expiring.get(symbol)
            if found is None or not any(lot.quantity > 0 for lot in lots):
                continue
            if found.close is None:
                unpriced[symbol] = found.contract.expiry
                continue
            self._expire_held(account, symbol, lots, found)
        return unpriced

    def settle_due(self, symbol: str, found: Expiring) -> None:
        """Settle every account's `symbol` at its expiry day's close (a priced contract),
        in time order among the trades: its delivered shares are there for later sales."""
        for (account, held), lots in list(self.lots.items()):
            if held == symbol and any(lot.quantity > 0 for lot in lots):
                self._expire_held(account, symbol, lots, found)

    def _expire_held(self, account: str, symbol: str, lots: deque[Lot], found: Expiring) -> None:
        self.act_until(found.contract.expiry)
        delivered: list[tuple[JournalTrade, Decimal]] = []
        for direction in (LONG, SHORT):
            held = [lot for lot in lots if lot.direction == direction and lot.quantity > 0]
            if held:
                delivery = self._settle(account, symbol, held, found)
                if delivery is not None:
                    delivered.append(delivery)
        lots.clear()
        for trade, stt in delivered:
            self.trade(trade, trade.charges or ZERO, stt)

    def _settle(
        self, account: str, symbol: str, held: list[Lot], found: Expiring
    ) -> tuple[JournalTrade, Decimal] | None:
        """Close `held` at the settlement; the share trade it delivers and its STT, if any."""
        assert found.close is not None  # the caller settles only a priced contract
        quantity = sum((lot.quantity for lot in held), ZERO)
        sign = 1 if held[0].direction == LONG else -1
        contract = found.contract
        settled = settle(contract, sign * int(quantity), found.close, schedules=found.schedules)
        at = datetime.combine(contract.expiry, SETTLEMENT_CLOSE, tzinfo=IST)
        for lot in held:
            take = lot.quantity
            share = settled.charges.total * take / quantity
            self._close_lot(
                account,
                symbol,
                lot,
                take,
                settled.price,
                share,
                contract.expiry,
                at,
                EXPIRY,
                intraday=lot.acquired == contract.expiry and not lot.via,
                note=lot.charges_note,
            )
        trade = delivered_trade(account, symbol, settled, at)
        if trade is None or settled.delivery_charges is None:
            return None
        return trade, settled.delivery_charges.stt

    def _close_lot(
        self,
        account: str,
        symbol: str,
        lot: Lot,
        take: Decimal,
        price: Decimal,
        charges: Decimal,
        day: date,
        at: datetime | None,
        source: str,
        *,
        kind: str = "trade",
        intraday: bool = False,
        note: str = "",
        stt: Decimal | None = None,
    ) -> None:
        """One round trip: `take` of `lot` closed at `price` on `day` by `source`, the
        close's own share of `charges` added to the lot's; `stt` the close's STT a unit,
        when known (the trip's STT is known when the lot's is too)."""
        cost, open_charges, open_stt = lot.take(take)
        self.book.trips.append(
            RoundTrip(
                account=account,
                symbol=symbol,
                isin=lot.isin,
                segment=lot.segment,
                direction=lot.direction,
                quantity=take,
                opened=lot.acquired,
                opened_at=lot.acquired_at,
                closed=day,
                closed_at=at,
                open_value=cost,
                close_value=take * price,
                charges=open_charges + charges,
                open_source=lot.source,
                close_source=source,
                kind=kind,
                via=lot.via,
                intraday=intraday,
                charges_note=note,
                stt=_added(open_stt, stt, take),
            )
        )


_APPLY = {
    Kind.SPLIT: _Engine._split,
    Kind.BONUS: _Engine._bonus,
    Kind.MERGER: _Engine._merger,
    Kind.DEMERGER: _Engine._demerger,
    Kind.BUYBACK: _Engine._buyback,
}


def _first(lots: deque[Lot], direction: str) -> Lot | None:
    """The oldest lot of `direction` (a symbol's lots are nearly always one direction)."""
    head = lots[0]
    if head.direction == direction:
        return head
    return next((lot for lot in lots if lot.direction == direction), None)


def _drop(lots: deque[Lot], lot: Lot) -> None:
    if lots[0] is lot:
        lots.popleft()
    else:
        lots.remove(lot)


def _closed_in_time(trip: RoundTrip) -> tuple[date, float]:
    return (trip.closed, trip.closed_at.timestamp() if trip.closed_at else 0.0)


def _sort(lots: deque[Lot]) -> None:
    ordered = sorted(lots, key=lambda lot: (lot.acquired, lot.via != ""))
    lots.clear()
    lots.extend(ordered)


def _settlements(
    expiring: Mapping[str, Expiring],
) -> list[tuple[tuple[date, float], str, Expiring]]:
    """The priced contracts in the order they settle: at their expiry day's close."""
    due = []
    for symbol, found in expiring.items():
        if found.close is not None:
            day = found.contract.expiry
            close = datetime.combine(day, SETTLEMENT_CLOSE, tzinfo=IST).timestamp()
            due.append(((day, close), symbol, found))
    return sorted(due, key=lambda item: (item[0], item[1]))


def fifo(
    trades: Iterable[JournalTrade],
    *,
    actions: Sequence[Action] = (),
    charges: Mapping[int, Decimal] | None = None,
    stt: Mapping[int, Decimal] | None = None,
    marks: Mapping[str, Decimal] | None = None,
    until: date | None = None,
    expiring: Mapping[str, Expiring] | None = None,
) -> Book:
    """Round trips and open positions of `trades` (any order; replayed in time order).

    ``charges`` maps a trade's index in `trades` to its charges (else the trade's own, else
    nil), ``stt`` to the STT inside them where known; ``marks`` prices open positions by
    symbol; actions up to ``until`` (default: the last trade's day) are applied. ``expiring``
    names the contracts past their expiry (`journal.expiry`): what is held of them is closed
    at their settlement on the expiry day, or left open as expired (never marked) where its
    price is unknown.
    """
    given = list(trades)
    order = sorted(range(len(given)), key=lambda i: in_time(given[i]))
    engine = _Engine(actions)
    due = _settlements(expiring or {})  # priced contracts, by their expiry day's close
    for i in order:
        trade = given[i]
        while due and due[0][0] < in_time(trade):
            _, symbol, found = due.pop(0)
            engine.settle_due(symbol, found)
        known = charges.get(i) if charges is not None else None
        paid = stt.get(i) if stt is not None else None
        engine.trade(trade, known if known is not None else (trade.charges or ZERO), paid)
    for _, symbol, found in due:
        engine.settle_due(symbol, found)
    last = given[order[-1]].day if given else None
    stop = until or last
    if stop is not None:
        engine.act_until(stop)
    unpriced = engine.expire(expiring) if expiring else {}
    if len(engine.book.trips) > 1 and expiring:
        engine.book.trips.sort(key=_closed_in_time)  # a settlement on its expiry day's close
    prices = marks or {}
    for (account, symbol), lots in sorted(engine.lots.items()):
        for direction in (LONG, SHORT):
            held = [lot for lot in lots if lot.direction == direction and lot.quantity > 0]
            if not held:
                continue
            quantity = sum((lot.quantity for lot in held), ZERO)
            engine.book.open.append(
                OpenPosition(
                    account=account,
                    symbol=symbol,
                    isin=held[0].isin,
                    segment=held[0].segment,
                    direction=direction,
                    quantity=quantity,
                    cost=sum((lot.cost for lot in held), ZERO),
                    mark=None if symbol in unpriced else prices.get(symbol),
                    expired_on=unpriced.get(symbol),
                )
            )
    return engine.book
