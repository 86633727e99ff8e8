"""The chain simulator: a past day of one underlying played minute by minute, with legs
bought and sold from its chain, their running MTM and payoff, and what happened saved to
the user's journal.

A session stands at a minute (0 = 09:15 IST). A leg enters or exits at that minute's price
of its contract (`past_chain.quote_at`: the last trade at or before it), so what the chain
shows is what fills. Stepping moves the minute forward (never back: what was traded stays
traded). Each minute's MTM of a leg is ``sign × units × (price then − entry)``, its exit
price once it has exited; a contract with no trade yet keeps its entry price. Charges are
the one schedule's (`domain.charges.compute_charges`: each fill its own order, F&O
options, the day's rates), at the paisa; a leg settled at expiry is no fill but the
exchange's settlement, charged as the paper exchange charges it (`oms.expiry_settlement`:
exercise STT on an in-the-money long, the per-order brokerage and its GST; nothing when
worthless).

Saved, the fills become a journal upload of kind ``simulation`` (one per session; deleting
the upload takes them out again), so the journal's pages show them as trades of the
simulated day, marked apart from the user's own statements.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.backtest.options.chain import MINUTES_PER_DAY
from tradertape.backtest.options.past_market import PastDay, minute_of, moment_of
from tradertape.db import journal_version
from tradertape.db.models.journal import TradeUpload, UploadedTrade
from tradertape.db.models.simulator import SimulatorSession
from tradertape.domain.charges import Fill, Segment, Side, compute_charges
from tradertape.domain.expiry import Contract, Settled, index_underlyings
from tradertape.domain.option_listing import IST, RISK_FREE_RATE
from tradertape.domain.option_math import OptionKind
from tradertape.domain.option_payoff import PayoffLeg, Scenario
from tradertape.errors import Conflict, InvalidField, NotFound
from tradertape.oms import expiry_settlement
from tradertape.ports.clock import Clock
from tradertape.services.options import past_chain
from tradertape.services.options.chain import pick_expiry
from tradertape.services.options.payoff import figures

MAX_LEGS = 12  # legs a session may hold, exited ones included
MAX_STEP = MINUTES_PER_DAY  # minutes one request may move or read
MAX_SESSIONS = 50  # kept per user; the oldest go first
SIMULATION = "simulation"  # the journal upload's kind
_ZERO = Decimal("0.00")  # written "0.00", as every figure on the paisa
_PAISA = Decimal("0.01")
_SETTLED_AT = "settled_close"  # a leg's key: the index's close it settled at on its expiry


def _day_of(row: SimulatorSession, data_dir: Path | None) -> PastDay:
    return past_chain.load(row.underlying, row.day, data_dir)


def create(
    db: Session,
    *,
    user_id: int,
    underlying: str,
    at: datetime,
    expiry: str | None,
    data_dir: Path | None,
    clock: Clock,
) -> SimulatorSession:
    """A session of `underlying` standing at `at` (IST), on the chosen expiry."""
    minute, on = _minute(at, clock)
    day = past_chain.load(underlying, on, data_dir)
    chosen = pick_expiry(past_chain.listed(day, minute), expiry)
    now = clock.now()
    row = SimulatorSession(
        user_id=user_id,
        underlying=day.underlying,
        day=on,
        expiry=chosen,
        source=day.source,
        start_minute=minute,
        minute=minute,
        legs=[],
        upload_id=None,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    _prune(db, user_id)
    db.commit()
    return row


def _minute(at: datetime, clock: Clock) -> tuple[int, date]:
    if at.tzinfo is None:
        raise InvalidField("at", "must carry its offset (e.g. 2024-12-19T10:30:00+05:30)")
    if at >= clock.now():
        raise InvalidField("at", "must be in the past")
    try:
        minute = minute_of(at)
    except ValueError as exc:
        raise InvalidField("at", str(exc)) from None
    return minute, at.astimezone(IST).date()


def _prune(db: Session, user_id: int) -> None:
    count = db.scalar(
        select(func.count())
        .select_from(SimulatorSession)
        .where(SimulatorSession.user_id == user_id)
    )
    if count is not None and count >= MAX_SESSIONS:
        oldest = db.scalars(
            select(SimulatorSession)
            .where(SimulatorSession.user_id == user_id)
            .order_by(SimulatorSession.id)
            .limit(count - MAX_SESSIONS + 1)
        )
        for old in oldest:
            db.delete(old)


def get(db: Session, session_id: int, *, user_id: int) -> SimulatorSession:
    """The user's session (another user's is a 404)."""
    row = db.get(SimulatorSession, session_id)
    if row is None or row.user_id != user_id:
        raise NotFound("Simulator session not found")
    return row


def listing(db: Session, *, user_id: int) -> list[SimulatorSession]:
    """The user's sessions, newest first."""
    query = (
        select(SimulatorSession)
        .where(SimulatorSession.user_id == user_id)
        .order_by(SimulatorSession.id.desc())
    )
    return list(db.scalars(query))


def _price_at(day: PastDay, leg: dict[str, Any], minute: int) -> Decimal | None:
    value = day.closes(date.fromisoformat(leg["expiry"]), float(leg["strike"]), leg["option_type"])
    return past_chain.price(float(value[minute])) if math.isfinite(value[minute]) else None


def add_leg(
    db: Session,
    row: SimulatorSession,
    *,
    strike: Decimal,
    option_type: str,
    side: str,
    lots: int,
    expiry: date | None,
    data_dir: Path | None,
    clock: Clock,
) -> dict[str, Any]:
    """Enter a leg at the session's minute, at its contract's price then."""
    if len(row.legs) >= MAX_LEGS:
        raise InvalidField("legs", f"a session holds at most {MAX_LEGS} legs")
    day = _day_of(row, data_dir)
    on = expiry or row.expiry
    if on not in day.expiries():
        raise InvalidField("expiry", f"{on.isoformat()} is not listed on {row.day.isoformat()}")
    if float(strike) not in day.strikes(on):
        raise InvalidField("strike", f"{strike} is not a listed strike of {on.isoformat()}")
    contract = past_chain.instrument(day, on, float(strike), option_type)
    leg: dict[str, Any] = {
        "id": max((int(leg["id"]) for leg in row.legs), default=0) + 1,
        "expiry": on.isoformat(),
        "strike": str(contract.strike),
        "option_type": option_type,
        "tradingsymbol": contract.tradingsymbol,
        "side": side,
        "lots": lots,
        "lot_size": contract.lot_size,
        "entry_minute": row.minute,
        "entry_price": None,
        "exit_minute": None,
        "exit_price": None,
    }
    entry = _price_at(day, leg, row.minute)
    if entry is None:
        raise InvalidField(
            "strike", f"{contract.tradingsymbol} has not traded yet at {_clock_of(row)}"
        )
    leg["entry_price"] = str(entry)
    row.legs = [*row.legs, leg]
    row.updated_at = clock.now()
    db.commit()
    return leg


def exit_leg(
    db: Session, row: SimulatorSession, leg_id: int, *, data_dir: Path | None, clock: Clock
) -> dict[str, Any]:
    """Exit an open leg at the session's minute (its entry price if nothing traded since)."""
    legs = [dict(leg) for leg in row.legs]
    found = next((leg for leg in legs if int(leg["id"]) == leg_id), None)
    if found is None:
        raise NotFound("Leg not found")
    if found["exit_minute"] is not None:
        raise Conflict(f"leg {leg_id} has already exited")
    day = _day_of(row, data_dir)
    exit_price = _price_at(day, found, row.minute) or Decimal(found["entry_price"])
    found["exit_minute"] = row.minute
    found["exit_price"] = str(exit_price)
    row.legs = legs
    row.updated_at = clock.now()
    db.commit()
    return found


def step(db: Session, row: SimulatorSession, minutes: int, *, clock: Clock) -> int:
    """Move the session `minutes` on (to 15:29 at most); the minutes it moved."""
    if not 1 <= minutes <= MAX_STEP:
        raise InvalidField("minutes", f"must be 1 to {MAX_STEP}")
    before = row.minute
    row.minute = min(row.minute + minutes, MINUTES_PER_DAY - 1)
    row.updated_at = clock.now()
    db.commit()
    return row.minute - before


def _clock_of(row: SimulatorSession) -> str:
    return moment_of(row.day, row.minute).strftime("%H:%M IST")


def _sign(leg: dict[str, Any]) -> int:
    return 1 if leg["side"] == "BUY" else -1


def _units(leg: dict[str, Any]) -> int:
    return int(leg["lots"]) * int(leg["lot_size"])


def _mark(day: PastDay, leg: dict[str, Any], minute: int) -> Decimal:
    if leg["exit_minute"] is not None and leg["exit_minute"] <= minute:
        return Decimal(leg["exit_price"])
    return _price_at(day, leg, minute) or Decimal(leg["entry_price"])


def leg_mtm(leg: dict[str, Any], mark: Decimal) -> Decimal:
    """The leg's P&L with its contract at `mark` (rupees, exact)."""
    # + 0: a short leg's flat P&L is 0.00, never -0.00
    return _sign(leg) * _units(leg) * (mark - Decimal(leg["entry_price"])) + 0


def _settled_close(leg: dict[str, Any]) -> Decimal | None:
    """The index's close a leg was settled at on its expiry (None: it exited, or is open)."""
    close = leg.get(_SETTLED_AT)
    return None if close is None else Decimal(close)


def _settlement(underlying: str, leg: dict[str, Any], close: Decimal) -> Settled:
    """The paper exchange's settlement of the leg at the index's `close` on its expiry."""
    contract = Contract(underlying, date.fromisoformat(leg["expiry"]), leg["option_type"],
                        Decimal(leg["strike"]), physical=False)  # fmt: skip
    return expiry_settlement(contract, _sign(leg) * _units(leg), close)


def fills(legs: list[dict[str, Any]], upto: int) -> list[Fill]:
    """The legs' entries and exits at or before minute `upto`, as the charges take them (a
    settlement at expiry is no fill: `charges` adds the exchange's own note of it)."""
    out: list[Fill] = []
    for leg in legs:
        side = Side.BUY if leg["side"] == "BUY" else Side.SELL
        if leg["entry_minute"] <= upto:
            out.append(
                Fill(f"sim-{leg['id']}-in", Segment.OPTIONS, side, _units(leg),
                     Decimal(leg["entry_price"]), instrument=leg["tradingsymbol"])
            )  # fmt: skip
        out_at = leg["exit_price"]
        exited = leg["exit_minute"] is not None and leg["exit_minute"] <= upto
        # an exit at ₹0 (a stock's worthless leg at the close) is no order: nothing charged
        if exited and _settled_close(leg) is None and Decimal(out_at) > 0:
            back = Side.SELL if side is Side.BUY else Side.BUY
            out.append(
                Fill(f"sim-{leg['id']}-out", Segment.OPTIONS, back, _units(leg),
                     Decimal(leg["exit_price"]), instrument=leg["tradingsymbol"])
            )  # fmt: skip
    return out


def charges(row: SimulatorSession, upto: int) -> Decimal:
    """The charges of the fills so far, on the day's schedule, and of the legs settled at
    expiry by then, each as the paper exchange's settlement note (their own contract note:
    exercise STT is rounded apart from the day's trades)."""
    done = fills(row.legs, upto)
    cost = compute_charges(done, row.day).total if done else _ZERO
    for leg in row.legs:
        close = _settled_close(leg)
        if close is not None and leg["exit_minute"] <= upto:
            cost += _settlement(row.underlying, leg, close).charges.total
    return cost


def frames(
    row: SimulatorSession, start: int, count: int, data_dir: Path | None
) -> list[dict[str, Any]]:
    """Minutes `start` … `start + count − 1` (to the session's minute at most): the index,
    each leg's price and MTM, the total MTM, charges so far and the net."""
    if not 0 <= start < MINUTES_PER_DAY:
        raise InvalidField("start", f"must be 0 to {MINUTES_PER_DAY - 1}")
    if not 1 <= count <= MAX_STEP:
        raise InvalidField("count", f"must be 1 to {MAX_STEP}")
    day = _day_of(row, data_dir)
    spot = day.spot()
    out = []
    for minute in range(start, min(start + count, row.minute + 1)):
        legs = []
        total = _ZERO
        for leg in row.legs:
            if leg["entry_minute"] > minute:
                continue
            mark = _mark(day, leg, minute)
            mtm = leg_mtm(leg, mark)
            total += mtm
            legs.append({"id": leg["id"], "price": mark, "mtm": mtm})
        cost = charges(row, minute)
        out.append(
            {
                "minute": minute,
                "at": moment_of(row.day, minute),
                "spot": past_chain.price(float(spot[minute]))
                if math.isfinite(spot[minute])
                else None,
                "legs": legs,
                "mtm": total,
                "charges": cost,
                "net": total - cost,
            }
        )
    return out


def state(row: SimulatorSession, data_dir: Path | None) -> dict[str, Any]:
    """The session at its minute: its legs with entry, current price and P&L, the totals,
    and the payoff of the open legs."""
    day = _day_of(row, data_dir)
    minute = row.minute
    legs = []
    realised = unrealised = _ZERO
    model: list[PayoffLeg] = []
    for leg in row.legs:
        mark = _mark(day, leg, minute)
        mtm = leg_mtm(leg, mark)
        closed = leg["exit_minute"] is not None
        if closed:
            realised += mtm
        else:
            unrealised += mtm
            model.append(_payoff_leg(day, leg, minute))
        legs.append(
            {
                **leg,
                "quantity": _units(leg),
                "entry_at": moment_of(row.day, leg["entry_minute"]),
                "exit_at": moment_of(row.day, leg["exit_minute"]) if closed else None,
                "entry_price": Decimal(leg["entry_price"]),
                "exit_price": Decimal(leg["exit_price"]) if closed else None,
                "strike": Decimal(leg["strike"]),
                "expiry": leg["expiry"],
                "current_price": mark,
                "pnl": mtm,
                "open": not closed,
            }
        )
    cost = charges(row, minute)
    spot = day.spot()[minute]
    shown = [leg for leg in legs if leg["open"]]
    payoff = _payoff(row, model, shown, float(spot)) if model and math.isfinite(spot) else None
    return {
        "id": row.id,
        "underlying": row.underlying,
        "date": row.day.isoformat(),
        "expiry": row.expiry.isoformat(),
        "source": row.source,
        "source_note": past_chain.NOTES.get(row.source, row.source),
        "start_minute": row.start_minute,
        "minute": minute,
        "at": moment_of(row.day, minute),
        "spot": past_chain.price(float(spot)) if math.isfinite(spot) else None,
        "legs": legs,
        "realised": realised,
        "unrealised": unrealised,
        "mtm": realised + unrealised,
        "charges": cost,
        "net": realised + unrealised - cost,
        "payoff": payoff,
        "upload_id": row.upload_id,
        "max_legs": MAX_LEGS,
    }


def _payoff(
    row: SimulatorSession, model: list[PayoffLeg], legs: list[dict[str, Any]], spot: float
) -> dict[str, Any]:
    """The open legs' payoff at the minute, in the chain ticket's shape (`payoff.figures`)."""
    days = min(leg.years for leg in model) * 365.0
    now = past_chain.price(spot)
    return {
        "underlying": row.underlying,
        "spot": now,
        "days_to_expiry_now": round(days, 2),
        "scenario": {"spot": now, "iv_shift": 0.0, "days_to_expiry": round(days, 2)},
        "legs": [
            {
                "tradingsymbol": leg["tradingsymbol"],
                "strike": leg["strike"],
                "option_type": leg["option_type"],
                "expiry": leg["expiry"],
                "transaction_type": leg["side"],
                "quantity": leg["quantity"],
                "lot_size": leg["lot_size"],
                "entry_price": leg["entry_price"],
                "ltp": leg["current_price"],
                "iv": round(m.vol * 100, 2),
            }
            for leg, m in zip(legs, model, strict=True)
        ],
        **figures(model, spot, Scenario(spot=spot), RISK_FREE_RATE),
    }


def _payoff_leg(day: PastDay, leg: dict[str, Any], minute: int) -> PayoffLeg:
    contract = past_chain.instrument(
        day, date.fromisoformat(leg["expiry"]), float(leg["strike"]), leg["option_type"]
    )
    quote = past_chain.quote_at(day, contract, minute)
    years = quote.years if quote is not None else 0.0
    vol = quote.iv if quote is not None and quote.iv is not None else 0.2
    return PayoffLeg(
        kind=OptionKind(leg["option_type"]),
        strike=float(leg["strike"]),
        quantity=_sign(leg) * _units(leg),
        entry=float(leg["entry_price"]),
        vol=vol,
        years=years,
    )


def open_legs(row: SimulatorSession) -> list[dict[str, Any]]:
    """The legs entered by the session's minute and not exited."""
    return [
        leg for leg in row.legs if leg["entry_minute"] <= row.minute and leg["exit_minute"] is None
    ]


def _settles_now(row: SimulatorSession, leg: dict[str, Any]) -> bool:
    """Whether the leg's contract expires on the day played and the session stands at its
    close: the exchange settles it then, rather than anyone trading out."""
    return leg["expiry"] == row.day.isoformat() and row.minute == MINUTES_PER_DAY - 1


def exit_open(row: SimulatorSession, *, data_dir: Path | None, clock: Clock) -> list[str]:
    """Close every open leg at the session's minute, as an "Exit leg" does; a leg whose
    contract expires that day with the session at 15:29 settles instead, by the paper
    exchange's rule (`oms.expiry_settlement`: intrinsic value at the index's close, charged
    as the exchange's settlement, not as an order) for an index, at the last minute's price
    for a stock (no delivery is simulated).
    Answers one line per leg saying how it closed (no commit; the save commits)."""
    day = _day_of(row, data_dir)
    close = float(day.spot()[MINUTES_PER_DAY - 1])
    cash = row.underlying in index_underlyings()
    legs, said = [dict(leg) for leg in row.legs], []
    for leg in legs:
        if leg["entry_minute"] > row.minute or leg["exit_minute"] is not None:
            continue
        last = _price_at(day, leg, row.minute) or Decimal(leg["entry_price"])
        if _settles_now(row, leg) and cash and math.isfinite(close) and close > 0:
            at_close = past_chain.price(close)
            price = _settlement(row.underlying, leg, at_close).price.quantize(_PAISA)
            leg[_SETTLED_AT] = str(at_close)
            how = f"settled at expiry at ₹{price} (intrinsic at the index's close)"
        elif _settles_now(row, leg):
            price = last
            how = f"exited at ₹{price}, the last minute's price (no settlement price at hand)"
        else:
            price = last
            how = f"exited at {_clock_of(row)} at ₹{price}"
        leg["exit_minute"], leg["exit_price"] = row.minute, str(price)
        said.append(f"{leg['tradingsymbol']} {how}")
    row.legs = legs
    row.updated_at = clock.now()
    return said


def save_journal(
    db: Session,
    row: SimulatorSession,
    *,
    exit_open_legs: bool = False,
    data_dir: Path | None = None,
    clock: Clock,
) -> tuple[TradeUpload, list[str]]:
    """Book the session's fills so far into the user's journal, as an upload of kind
    ``simulation``, and how each open leg closed. A leg still open would land in the
    journal as a position on a contract already expired with no settlement price, so open
    legs are refused (409 naming them) unless `exit_open_legs` closes them first
    (`exit_open`). A 409 too when it was saved already, or has no fill."""
    if row.upload_id is not None:
        raise Conflict(f"this session was saved already (journal upload {row.upload_id})")
    done = [leg for leg in row.legs if leg["entry_minute"] <= row.minute]
    if not done:
        raise Conflict("the session has no fill to save yet")
    still = open_legs(row)
    if still and not exit_open_legs:
        names = ", ".join(f"leg {leg['id']} ({leg['tradingsymbol']})" for leg in still)
        raise Conflict(
            f"open legs: {names}; exit them first or save with exit_open to exit them "
            f"at {_clock_of(row)}"
        )
    said = exit_open(row, data_dir=data_dir, clock=clock) if still else []
    done = [leg for leg in row.legs if leg["entry_minute"] <= row.minute]
    upload = TradeUpload(
        user_id=row.user_id,
        kind=SIMULATION,
        broker="paper",
        filename=f"Simulator #{row.id}: {row.underlying} {row.day.isoformat()} ({row.source})",
        account_code=f"sim:{row.id}",
        segment="FO",
        date_from=row.day,
        date_to=row.day,
        rows_read=0,
        rows_added=0,
        duplicates=0,
        skipped=0,
        obfuscated=False,
        warnings=[past_chain.NOTES[row.source]] if row.source != "minutes" else [],
        created_at=clock.now(),
    )
    db.add(upload)
    db.flush()
    rows = []
    for leg in done:
        side = "buy" if leg["side"] == "BUY" else "sell"
        moves: list[tuple[str, str, int, str, Decimal | None]] = [
            ("in", side, leg["entry_minute"], leg["entry_price"], None)
        ]
        if leg["exit_minute"] is not None:
            # a settlement at expiry is charged as the exchange's note, not as a sale
            close = _settled_close(leg)
            note = None if close is None else _settlement(row.underlying, leg, close).charges
            back = "sell" if side == "buy" else "buy"
            moves.append(("out", back, leg["exit_minute"], leg["exit_price"],
                          None if note is None else note.total))  # fmt: skip
        for tag, way, minute, at_price, charged in moves:
            ident = f"SIM{row.id}-{leg['id']}-{tag}"
            rows.append(
                UploadedTrade(
                    user_id=row.user_id,
                    upload_id=upload.id,
                    key=f"sim:{row.id}:{leg['id']}:{tag}",
                    broker="paper",
                    account_code=f"sim:{row.id}",
                    exchange="NFO",
                    segment="FO",
                    symbol=leg["tradingsymbol"],
                    isin=None,
                    trade_date=row.day,
                    executed_at=moment_of(row.day, minute),
                    side=way,
                    quantity=Decimal(_units(leg)),
                    price=Decimal(at_price),
                    trade_id=ident,
                    order_id=ident,
                    expiry=date.fromisoformat(leg["expiry"]),
                    instrument_type=leg["option_type"],
                    charges=charged,
                )
            )
    db.add_all(rows)
    upload.rows_read = upload.rows_added = len(rows)
    row.upload_id = upload.id
    row.updated_at = clock.now()
    journal_version.bump(db, [row.user_id])
    db.commit()
    return upload, said
