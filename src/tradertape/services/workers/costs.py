"""The cost contract of an order or a basket: margin and itemized charges before placing.

Charges come from our charges engine (`compute_charges`, on the broker's schedule in force on
the market date), as if the legs were the day's only fills at their reference price:
the limit price, the trigger of an SL-M, or the last traded price of a market order.
The keys are exactly those of the SDK's ``CostContract``; the breakdown is ``itemized``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tradertape.domain.charges import Exchange as ChargeExchange
from tradertape.domain.charges import Fill, Side, charge_segment, compute_charges, schedules_of
from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog
from tradertape.domain.margins import MarginLeg, MarginTable, Marks, portfolio_margin
from tradertape.domain.money import paise, paise_adding_up
from tradertape.domain.orders import OrderSpec, OrderType, Product
from tradertape.ports.clock import IST
from tradertape.services.workers.context import WorkerContext

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PricedLeg:
    """An order, its instrument, and the price its costs are estimated at (None: unknown)."""

    spec: OrderSpec
    instrument: Instrument
    price: Decimal | None


def reference_price(workers: WorkerContext, spec: OrderSpec) -> Decimal | None:
    """The price an order's costs are estimated at."""
    if spec.order_type in (OrderType.LIMIT, OrderType.SL):
        return spec.price
    if spec.order_type is OrderType.SL_M:
        return spec.trigger_price
    last = workers.last_tick(spec.key)
    return last.last_price if last is not None else None


def _fill(index: int, leg: PricedLeg, price: Decimal) -> Fill:
    instrument = leg.instrument
    derivative = instrument.instrument_type.value if instrument.is_derivative else None
    bse = instrument.exchange in (Exchange.BSE, Exchange.BFO)
    return Fill(
        order_id=f"leg-{index}",
        segment=charge_segment(
            derivative_kind=derivative, intraday=leg.spec.product is Product.MIS
        ),
        side=Side(leg.spec.transaction_type.value),
        quantity=leg.spec.quantity,
        price=price,
        exchange=ChargeExchange.BSE if bse else ChargeExchange.NSE,
        instrument=instrument.isin or instrument.key,
    )


def margins_of(workers: WorkerContext, catalog: InstrumentCatalog, today: date) -> MarginTable:
    """The OMS's margin table as the funds check reads it: the catalog's risk classes,
    the desk's quotes for underlyings, the expiry day's rules on `today` (IST)."""
    return MarginTable(catalog, workers.trading.config.margins, _last_price(workers), today)


def _last_price(workers: WorkerContext) -> Marks:
    def mark(key: str) -> Decimal | None:
        tick = workers.last_tick(key)
        return tick.last_price if tick is not None else None

    return mark


def _margin(table: MarginTable, leg: PricedLeg, price: Decimal) -> MarginLeg:
    """One leg as an opening order (a cover order margined on its stop)."""
    spec = leg.spec
    stop = spec.trigger_price if spec.variety.value == "co" else None
    return table.leg(
        leg.instrument, spec.product.value, spec.transaction_type, spec.quantity, price, stop
    )


@dataclass(frozen=True, slots=True)
class StructureMargin:
    """The legs' margin held together (hedges credited) and the sum of each leg's alone."""

    hedged: Decimal  # `portfolio_margin`: what is blocked
    alone: Decimal  # each leg's own margin, added up: what it would be with no offset

    @property
    def benefit(self) -> Decimal:
        """What holding the legs together spares: the legs alone less the legs together."""
        return self.alone - self.hedged


def structure_margin(
    workers: WorkerContext, legs: Sequence[PricedLeg], *, catalog: InstrumentCatalog
) -> StructureMargin | None:
    """The legs' margin together and alone (None when a leg has no price to margin at):
    the funds check's table (`margins_of`) on the clock's IST date, the offsets of
    `portfolio_margin` between the legs."""
    if not legs or any(leg.price is None for leg in legs):
        return None
    today = workers.trading.clock.now().astimezone(IST).date()
    table = margins_of(workers, catalog, today)
    each = [_margin(table, leg, leg.price) for leg in legs if leg.price is not None]
    together = portfolio_margin(each, today=today).total
    return StructureMargin(hedged=together, alone=sum((m.margin.total for m in each), _ZERO))


def _money(value: Decimal) -> float:
    return float(paise(value))


def cost_contract(
    workers: WorkerContext,
    legs: Sequence[PricedLeg],
    *,
    catalog: InstrumentCatalog,
    broker: str = "paper",
) -> dict[str, Any]:
    """Margin, total and itemized charges of the legs taken together, on `broker`'s
    schedule (Zerodha's for paper and Kite: `schedules_of`). The margin is the funds
    check's (`margins_of`: `catalog` gives derivatives their risk class, the quotes sold
    options their underlying's price), crediting hedges between the legs
    (`portfolio_margin`) and applying the expiry day's rules on the clock's IST date."""
    if not legs or any(leg.price is None for leg in legs):
        return {
            "margin_required": None,
            "charges_estimate": None,
            "total_charges": None,
            "total_taxes": None,
            "itemized": {"charges_status": "UNAVAILABLE"},
            "dp_charge": None,
            "dp_charge_status": "UNAVAILABLE",
        }
    priced = [(leg, leg.price) for leg in legs if leg.price is not None]
    fills = [_fill(i, leg, price) for i, (leg, price) in enumerate(priced)]
    today = workers.trading.clock.now().astimezone(IST).date()
    charges = compute_charges(fills, today, schedules=schedules_of(broker))
    # the legs together: a sold option its bought leg covers needs only the spread's risk,
    # a futures calendar its basis risk; today's expiries take their calendar benefit away
    held = structure_margin(workers, legs, catalog=catalog)
    assert held is not None  # every leg is priced (above)
    margin = held.hedged
    # the items to the paisa add up to the total (DP included); IPFT is inside the exchange
    # charge, as on Kite's note, and `ipft` says how much of it
    brokerage, exchange, stt, stamp, sebi, gst, dp = paise_adding_up(
        (
            charges.brokerage,
            charges.exchange_turnover_charge,
            charges.stt,
            charges.stamp,
            charges.sebi,
            charges.gst,
            charges.dp,
        )
    )
    return {
        "margin_required": _money(margin),
        "charges_estimate": _money(charges.total),
        "total_charges": _money(charges.total),
        "total_taxes": float(stt + stamp + gst),
        "itemized": {
            "brokerage": float(brokerage),
            "exchange_transaction_charge": float(exchange),
            "stt": float(stt),
            "stamp_duty": float(stamp),
            "sebi_charge": float(sebi),
            "gst": float(gst),
            "ipft": _money(charges.ipft),
            "charges_status": "ESTIMATED",
        },
        "dp_charge": float(dp),
        "dp_charge_status": "ESTIMATED" if charges.dp else "NOT_APPLICABLE",
    }
