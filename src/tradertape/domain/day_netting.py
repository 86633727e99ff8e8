"""Delivery-product fills bought and sold on the same day are intraday: the note's netting.

A contract note decides delivery by the day, not by the product. Of one instrument on one
exchange, in one book, the quantity both bought and sold on the day is a day trade: priced
at the intraday rates (STT on the sell side only, intraday stamp duty, intraday brokerage)
and never sold from the demat account, so it costs no DP charge. Only what remains (the
day's net buy, or net sell) is delivery: 0.1 % STT, delivery stamp duty on a net buy and a
DP charge on a net sell. Each side's day-traded part is priced at that side's weighted
average price, as the exchanges' STT computation values it.

MIS fills are intraday by their product (they are squared off the same day) and are not
netted here; this module takes the delivery-product (CNC) fills only, kept per book,
exchange and instrument (`DeliveryFlow`), and gives the parts they add to the day's note
(`flow_parts`, added by `net_delivery`). `compute_charges` and the running `ChargeDay` both
use it, so the two agree; a fill re-nets only its own flow.

Brokerage stays per executed order: an order partly day-traded pays the intraday rule on
that part and the delivery rule on the rest, at most the larger of the two caps (₹20 at
every broker modelled).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from tradertape.domain.charge_rates import ChargeSchedule, Exchange
from tradertape.domain.money import ZERO
from tradertape.domain.values import value_class


def flow_key(book: str, exchange: Exchange, instrument: str) -> str:
    """What a day's delivery fills are netted by: the book, the exchange, the instrument."""
    return f"{book}|{exchange.value}|{instrument}"


@dataclass(frozen=True, slots=True)
class DeliveryFlow:
    """One book's delivery-product fills of one instrument on one exchange in a day, and
    each order's traded value on either side (brokerage is per order)."""

    exchange: Exchange
    instrument: str
    bought: int = 0
    buy_value: Decimal = ZERO
    sold: int = 0
    sell_value: Decimal = ZERO
    buy_orders: Mapping[str, Decimal] = field(default_factory=dict)
    sell_orders: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def day_traded(self) -> int:
        """The quantity bought and sold the same day: intraday, whatever the product."""
        return min(self.bought, self.sold)

    def with_fill(self, *, buy: bool, order_id: str, quantity: int, value: Decimal) -> DeliveryFlow:
        """The flow after one more fill."""
        if buy:
            orders = {**self.buy_orders, order_id: self.buy_orders.get(order_id, ZERO) + value}
            return replace(
                self,
                bought=self.bought + quantity,
                buy_value=self.buy_value + value,
                buy_orders=orders,
            )
        orders = {**self.sell_orders, order_id: self.sell_orders.get(order_id, ZERO) + value}
        return replace(
            self, sold=self.sold + quantity, sell_value=self.sell_value + value, sell_orders=orders
        )

    def stored(self) -> dict[str, object]:
        """The flow as JSON (money as exact text)."""
        return {
            "exchange": self.exchange.value,
            "instrument": self.instrument,
            "bought": self.bought,
            "buy_value": str(self.buy_value),
            "sold": self.sold,
            "sell_value": str(self.sell_value),
            "buy_orders": {k: str(v) for k, v in self.buy_orders.items()},
            "sell_orders": {k: str(v) for k, v in self.sell_orders.items()},
        }

    @classmethod
    def read(cls, raw: Mapping[str, object]) -> DeliveryFlow:
        """A flow from its `stored` JSON."""
        buy_orders = raw["buy_orders"]
        sell_orders = raw["sell_orders"]
        assert isinstance(buy_orders, dict)
        assert isinstance(sell_orders, dict)
        return cls(
            Exchange(str(raw["exchange"])),
            str(raw["instrument"]),
            int(str(raw["bought"])),
            Decimal(str(raw["buy_value"])),
            int(str(raw["sold"])),
            Decimal(str(raw["sell_value"])),
            {str(k): Decimal(str(v)) for k, v in buy_orders.items()},
            {str(k): Decimal(str(v)) for k, v in sell_orders.items()},
        )


@value_class
class NettedParts:
    """What a day's delivery-product fills add to its note, every part exact (STT before its
    rupee rounding, per contract-note group; `demat_sold`: value sold from demat per ISIN)."""

    brokerage: Decimal
    stt_raw: Mapping[str, Decimal]
    exchange_txn: Decimal
    ipft: Decimal
    sebi: Decimal
    stamp: Decimal
    demat_sold: Mapping[str, Decimal]


def _order_brokerage(intraday: Decimal, delivery: Decimal, rates: ChargeSchedule) -> Decimal:
    rules = rates.brokerage
    fee = rules.intraday.of(intraday) + rules.delivery.of(delivery)
    if intraday and delivery:
        fee = min(fee, max(rules.intraday.cap, rules.delivery.cap))
    return fee


def flow_parts(flow: DeliveryFlow, rates: ChargeSchedule) -> NettedParts:
    """What one flow adds to the day's note, netted as the module docstring says (an order
    is of one instrument and side, so its brokerage is the flow's)."""
    same_day = flow.day_traded
    group = f"{flow.exchange.value}:cash"
    txn_rates = rates.txn(flow.exchange)
    nse = flow.exchange is Exchange.NSE
    stt = txn = ipft = sebi = stamp = brokerage = sold = ZERO
    sides = (
        (True, flow.bought, flow.buy_value, flow.buy_orders),
        (False, flow.sold, flow.sell_value, flow.sell_orders),
    )
    for buy, quantity, value, orders in sides:
        if not quantity:
            continue
        intraday = value * same_day / quantity
        delivery = value - intraday
        table = rates.stt_buy if buy else rates.stt_sell
        stt += intraday * table.intraday + delivery * table.delivery
        txn += intraday * txn_rates.intraday + delivery * txn_rates.delivery
        if nse:
            ipft += intraday * rates.ipft_nse.intraday + delivery * rates.ipft_nse.delivery
        sebi += value * rates.sebi
        if buy:
            stamp += intraday * rates.stamp_buy.intraday + delivery * rates.stamp_buy.delivery
        else:
            sold = delivery
        for order_value in orders.values():
            order_intraday = order_value * same_day / quantity
            brokerage += _order_brokerage(order_intraday, order_value - order_intraday, rates)
    return NettedParts(
        brokerage, {group: stt}, txn, ipft, sebi, stamp, {flow.instrument: sold} if sold else {}
    )


def net_delivery(parts: Iterable[NettedParts]) -> NettedParts:
    """The flows' parts added up: what a day's delivery-product fills add to its note."""
    stt: dict[str, Decimal] = defaultdict(Decimal)
    sold: dict[str, Decimal] = defaultdict(Decimal)
    brokerage = txn = ipft = sebi = stamp = ZERO
    for part in parts:
        brokerage += part.brokerage
        txn += part.exchange_txn
        ipft += part.ipft
        sebi += part.sebi
        stamp += part.stamp
        for group, raw in part.stt_raw.items():
            stt[group] += raw
        for isin, value in part.demat_sold.items():
            sold[isin] += value
    return NettedParts(brokerage, dict(stt), txn, ipft, sebi, stamp, dict(sold))
