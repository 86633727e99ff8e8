"""What the agent should find at each broker: its reconciliation's other side.

Two sources, per agent broker and instrument:

- the open (and exit-pending) positions of the owner's agent-run portfolios
  (`signals.expected`);
- the shares the owner's uploaded tradebooks leave held (delivery equity: buys less sells,
  never below nothing), so a holding bought before TraderTape, once its tradebook is
  uploaded, stops being drift, as seed 000's troubleshooting promises. A tradebook row of an
  order the agent itself reported (its broker order id) is already a model position and is
  not counted again.

A tradebook uploaded scaled (obfuscated) holds scaled quantities the cloud cannot turn into
shares; they are summed apart (`scaled_imported`) for the agent, which divides them by its
factor. Cash, F&O and the tradebook's prices play no part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.db.models.journal import TradeUpload, UploadedTrade
from tradertape.domain.brokers import of_statements
from tradertape.services.agent.signals import expected as model_expected

#: Exchanges of delivery equity (a share held in the demat account).
EQUITY_EXCHANGES = ("NSE", "BSE")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Expected:
    """Units expected at `broker` of `symbol` (``NSE:INFY``)."""

    broker: str
    symbol: str
    model_quantity: int
    imported_quantity: int
    scaled_imported_quantity: Decimal | None
    portfolio_ids: tuple[int, ...]

    @property
    def quantity(self) -> int:
        """The shares the cloud can count: model positions and clear uploads."""
        return self.model_quantity + self.imported_quantity


@dataclass
class Held:
    clear: Decimal = ZERO
    scaled: Decimal = ZERO
    scaled_seen: bool = False
    on_nse: bool = False
    exchange: str = "NSE"


def _agent_orders(db: Session, user_id: int) -> set[str]:
    """Broker order ids of the fills the agent reported (already model positions)."""
    rows = db.scalars(
        select(Order.broker_order_id).where(
            Order.user_id == user_id, Order.source == "agent", Order.broker_order_id.is_not(None)
        )
    )
    return {str(r) for r in rows}


def imported(db: Session, *, user_id: int) -> dict[tuple[str, str], Held]:
    """(agent broker, ``EXCH:SYMBOL``) → the delivery shares the user's tradebooks leave."""
    theirs = _agent_orders(db, user_id)
    rows = db.execute(
        select(
            UploadedTrade.broker,
            UploadedTrade.exchange,
            UploadedTrade.symbol,
            UploadedTrade.side,
            UploadedTrade.quantity,
            UploadedTrade.order_id,
            TradeUpload.obfuscated,
        )
        .join(TradeUpload, TradeUpload.id == UploadedTrade.upload_id)
        .where(
            UploadedTrade.user_id == user_id,
            UploadedTrade.segment == "EQ",
            UploadedTrade.exchange.in_(EQUITY_EXCHANGES),
        )
    )
    held: dict[tuple[str, str], Held] = defaultdict(Held)
    for broker, exchange, symbol, side, quantity, order_id, obfuscated in rows:
        if order_id and order_id in theirs:
            continue
        # one share, whichever exchange traded it: keyed as the broker's holdings list it
        row = held[of_statements(broker), symbol.upper()]
        signed = quantity if side == "buy" else -quantity
        if obfuscated:
            row.scaled += signed
            row.scaled_seen = True
        else:
            row.clear += signed
        row.on_nse = row.on_nse or exchange == "NSE"
        row.exchange = "NSE" if row.on_nse else exchange
    return {(b, f"{h.exchange}:{s}"): h for (b, s), h in held.items()}


def expected(db: Session, *, user_id: int) -> list[Expected]:
    """Per agent broker and instrument, by broker then symbol."""
    models = {(m.broker, m.symbol): m for m in model_expected(db, user_id=user_id)}
    uploads = imported(db, user_id=user_id)
    out = []
    for broker, symbol in sorted(set(models) | set(uploads)):
        model = models.get((broker, symbol))
        held = uploads.get((broker, symbol), Held())
        clear = max(held.clear, ZERO)
        scaled = max(held.scaled, ZERO) if held.scaled_seen else None
        out.append(
            Expected(
                broker=broker,
                symbol=symbol,
                model_quantity=model.quantity if model else 0,
                # a whole number of shares (a clear tradebook holds whole ones)
                imported_quantity=int(clear),
                scaled_imported_quantity=scaled,
                portfolio_ids=model.portfolio_ids if model else (),
            )
        )
    return [e for e in out if e.quantity or e.scaled_imported_quantity]
