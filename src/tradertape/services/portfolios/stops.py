"""Standing ATR stops of ``paper_fill: gtt`` portfolios: one SELL GTT under each open position.

The backtest exits a position the day its low reaches ``entry − atr_stop_mult × ATR``; a
portfolio on a broker leaves that to the broker as a single-leg SELL GTT at the stop (spec
§7), so it works intraday with nobody watching. The GTT is kept equal to what the position
needs (`sync`, by the reconciliation pass that follows a change of the position; a cancel
in the transaction of the exit that needs it):

- placed once the position opens (its entry's fill booked: one stop, never two);
- moved when the stop moves: an add-on averages the entry (and raises the quantity);
- cancelled before any other exit is placed (exit rule, ``max_hold``, manual close): the
  compare-and-set on the GTT row decides which of the two sells, and when the stop already
  fired the other exit is refused, so a position is never sold twice;
- placed again when it went (deleted by hand, expired, or its order ended unfilled).

A stop that fires is followed like an exit order: the position is ``exit_pending`` while the
GTT's LIMIT sell works (`follow`), and guards again if that sell ends unfilled. Its fill is
booked by the one subscriber of the OMS's fill events, in the fill's transaction
(`portfolios.fills`: the position closes through `fill_exit`, reason ``atr_stop``, by the
ledger's figures for the sell), never here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from tradertape.db.models import Gtt, ModelPortfolio, ModelPosition, Order
from tradertape.domain.market import Tick
from tradertape.domain.ticks import RoundDirection, round_to_tick
from tradertape.errors import Conflict
from tradertape.oms import (
    GTT_ACTIVE,
    GTT_PLACING,
    Account,
    CancelGtt,
    CreateGtt,
    ModifyGtt,
    OrderPipeline,
)
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import Clock

# The sell's limit sits this far under the trigger: a fall through the stop still fills,
# where a limit at the trigger would be left behind by the first tick below it.
STOP_LIMIT_PAD = Decimal("0.01")
REASON = "atr_stop"
# A live exit sent as a GTT (the cloud places GTTs only: docs/live-trading.md) brackets the
# last price this close, Kite's least distance of a trigger from it: the first move past
# either side fires it, and its LIMIT sell (padded as a stop's) fills at the bid.
EXIT_BAND = Decimal("0.0025")
_UNFILLED = ("CANCELLED", "REJECTED")


def stop_prices(stop: Decimal) -> tuple[Decimal, Decimal]:
    """The stop GTT's trigger and limit. Prices move on the tick grid, so "the low reaches
    the stop" is "the price reaches the tick at or below it": the trigger rounds down."""
    trigger = round_to_tick(stop, RoundDirection.DOWN)
    limit = round_to_tick(trigger * (1 - STOP_LIMIT_PAD), RoundDirection.DOWN)
    return trigger, limit


def _spec(
    position: ModelPosition, trigger: Decimal, limit: Decimal, last_price: Decimal
) -> GttSpec:
    exchange, _, symbol = position.symbol.partition(":")
    order = {
        "transaction_type": "SELL",
        "quantity": position.quantity,
        "price": str(limit),
        "order_type": "LIMIT",
        "product": "CNC",
    }
    return GttSpec(exchange, symbol, [trigger], last_price, [order])


def exit_spec(position: ModelPosition, last_price: Decimal) -> GttSpec:
    """A two-leg SELL GTT that sells the whole position on the first move of
    `EXIT_BAND` either way from `last_price` (a live exit from the cloud)."""
    exchange, _, symbol = position.symbol.partition(":")
    lower = round_to_tick(last_price * (1 - EXIT_BAND), RoundDirection.DOWN)
    upper = round_to_tick(last_price * (1 + EXIT_BAND), RoundDirection.UP)
    legs = [
        {
            "transaction_type": "SELL",
            "quantity": position.quantity,
            "price": str(round_to_tick(trigger * (1 - STOP_LIMIT_PAD), RoundDirection.DOWN)),
            "order_type": "LIMIT",
            "product": "CNC",
        }
        for trigger in (lower, upper)
    ]
    return GttSpec(exchange, symbol, [lower, upper], last_price, legs)


def _stands(gtt: Gtt, spec: GttSpec) -> bool:
    leg = gtt.orders[0]
    wanted = spec.orders[0]
    return (
        Decimal(gtt.trigger_values[0]) == Decimal(spec.trigger_values[0])
        and int(leg["quantity"]) == wanted["quantity"]
        and Decimal(leg["price"]) == Decimal(wanted["price"])
    )


@dataclass(frozen=True, slots=True)
class PortfolioStops:
    """Places, moves, cancels and follows the stop GTTs of one portfolio's positions."""

    orders: OrderPipeline
    account: Account  # a live portfolio's stops stand at its broker
    clock: Clock
    last_tick: Callable[[str], Tick | None]

    def sync(self, db: Session, portfolio: ModelPortfolio, position: ModelPosition) -> bool:
        """Make the position's stop GTT what it needs to be (caller's transaction). False
        when the stop is already crossed (``last_price`` at or under it): a GTT placed now
        would wait for a rise, so the caller must sell instead."""
        if not needs_stop(portfolio, position):
            return True
        assert position.stop_price is not None
        last_price = self._last_price(position)
        trigger, limit = stop_prices(position.stop_price)
        spec = _spec(position, trigger, limit, last_price)
        gtt = db.get(Gtt, position.stop_gtt_id) if position.stop_gtt_id else None
        if gtt is not None and gtt.status == GTT_ACTIVE:
            if not _stands(gtt, spec):
                moved = ModifyGtt(
                    user_id=position.user_id,
                    trigger_id=gtt.id,
                    spec=spec,
                    gate=False,  # the platform moves a stop: an exit, never gated
                    switches=False,
                    commit=False,
                )
                self.orders.modify_gtt(db, moved)
            return True
        if gtt is not None and gtt.status in ("triggered", GTT_PLACING):
            return True  # fired: `follow` tracks its order; placing: the live sweep settles it
        if last_price <= trigger:
            return False
        stop = CreateGtt(
            user_id=position.user_id,
            spec=spec,
            account=self.account,
            commit=False,
            switches=False,  # a stop protects a position already open: never stranded
            # the portfolio's, paper or live: a paper stop sells in its book (which holds
            # the position), a live one in its broker's, and its events name the portfolio
            attribution={"portfolio_id": position.portfolio_id},
        )
        new = self.orders.create_gtt(db, stop)
        position.stop_gtt_id = new.id
        return True

    def _last_price(self, position: ModelPosition) -> Decimal:
        tick = self.last_tick(position.symbol)
        return tick.last_price if tick is not None else position.entry_price

    def cancel(self, db: Session, position: ModelPosition) -> None:
        """Take the stop down before another exit of the position is placed (caller's
        transaction: if that exit fails and rolls back, the stop stands again).

        Raises
        ------
        Conflict
            The stop already fired: its own sell is on the way, so no second one may go.
        """
        if position.stop_gtt_id is None:
            return
        if self.orders.cancel_gtt(db, CancelGtt(position.stop_gtt_id)):
            return
        gtt = db.get(Gtt, position.stop_gtt_id)
        if gtt is not None:
            db.refresh(gtt)
            if gtt.status == "triggered":
                raise Conflict(f"position {position.id}: its stop-loss GTT {gtt.id} already fired")

    def follow(
        self, db: Session, portfolio: ModelPortfolio, position: ModelPosition
    ) -> Order | None:
        """Map a fired stop back onto its position: ``exit_pending`` while its sell works,
        guarding again if the sell ended unfilled. Its fill closes the position where it is
        recorded (`portfolios.fills`), so this never does: it returns the sell only when it
        completed and the position is still held (nobody booked it: reconciliation's
        catch-up books it by the same path), else None."""
        gtt = db.get(Gtt, position.stop_gtt_id) if position.stop_gtt_id else None
        # Not fired (a stop cancelled, deleted or expired while needed is `sync`'s to replace)
        if gtt is None or gtt.status != "triggered" or position.status == "closed":
            return None
        position.status = "exit_pending"
        order = db.get(Order, gtt.order_pk) if gtt.order_pk else None
        if order is None:
            return None  # claimed, not yet placed: the GTT book's recovery places it
        if order.status in _UNFILLED and order.filled_quantity == 0:
            position.status = "open"  # nothing sold: stand guard again
            position.stop_gtt_id = None
            return None
        return order if order.status == "COMPLETE" else None


def needs_stop(portfolio: ModelPortfolio, position: ModelPosition) -> bool:
    """Whether the position should have a standing stop GTT at the broker now."""
    return (
        portfolio.paper_fill == "gtt"
        and position.status == "open"
        and position.stop_price is not None
        and position.stop_price > 0
    )
