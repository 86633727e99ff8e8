"""Money as an answer writes it: quantised once, here, at the boundary (issue 64).

A figure computed on the way to an answer can carry any number of places: an average price
after an add-on, a P&L against it, a share of charges. ``/api/model/dashboard`` answered
``"unrealised_pnl": "51.3499999999999999999999856"``. Every money field of a response model
is one of the types below, so the rule lives in one place rather than in each route:

- `Paise`: a rupee amount (P&L, capital, charges, value, an average price) written to the
  paisa, half away from zero (`domain.money.paise`) when it has finer places; a figure
  already on the paisa is written as it is (``"1500"`` stays ``"1500"``);
- `TickPrice`: an instrument's price (a last price, a trigger, a strike): at most
  `PRICE_PLACES` places, the finest tick any segment trades on (currency options, ₹0.0025);
- `PaiseNumber`: a rupee amount of a Kite-shaped answer, which keeps Kite's JSON numbers
  (docs/api-conventions.md, "Money"): a float rounded to the paisa, an integer as it is.

Quantities are integers and are never touched. ``tests/api/test_money_at_the_boundary.py``
holds the rule over every route's response models and every GET answer of a demo account.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

from tradertape.domain.money import PRICE_GRID, paise

PAISE_PLACES = 2
PRICE_PLACES = 4
"""The finest tick's places (₹0.0025, currency options); an equity's ₹0.05 needs two."""
assert Decimal(1).scaleb(-PRICE_PLACES) == PRICE_GRID


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def to_paise(value: Decimal) -> Decimal:
    """`value` to the paisa when it has finer places; as it is otherwise (and when it is no
    finite number, which the model's own checks refuse)."""
    if not value.is_finite() or _places(value) <= PAISE_PLACES:
        return value
    return paise(value)


def to_tick_places(value: Decimal) -> Decimal:
    """`value` to at most `PRICE_PLACES` places (half up), as it is otherwise."""
    if not value.is_finite() or _places(value) <= PRICE_PLACES:
        return value
    return value.quantize(PRICE_GRID, rounding=ROUND_HALF_UP)


def number_to_paise(value: int | float) -> int | float:
    """A JSON number to the paisa: a float rounded to two places, an integer as it is."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return round(value, PAISE_PLACES)
    return value


Paise = Annotated[Decimal, PlainSerializer(to_paise, return_type=Decimal)]
"""A rupee amount of an answer, to the paisa."""

TickPrice = Annotated[Decimal, PlainSerializer(to_tick_places, return_type=Decimal)]
"""An instrument's price of an answer, to at most the finest tick's places."""

PaiseNumber = Annotated[
    int | float,
    PlainSerializer(number_to_paise, return_type=int | float),
    WithJsonSchema({"type": "number"}),
]
"""A rupee amount of a Kite-shaped answer: a JSON number, to the paisa."""


def float_to_tick_places(value: int | float) -> int | float:
    """A JSON number to at most `PRICE_PLACES` places: a float rounded, an integer as it is
    (a candle's float32 close, 1502.3499755859375, is 1502.35)."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return round(value, PRICE_PLACES)
    return value


TickNumber = Annotated[
    int | float,
    PlainSerializer(float_to_tick_places, return_type=int | float),
    WithJsonSchema({"type": "number"}),
]
"""An instrument's price of a Kite-shaped answer: a JSON number, to the finest tick's places."""

PaiseFloat = Annotated[float, PlainSerializer(number_to_paise, return_type=float)]
"""A rupee amount an answer keeps as a float (a worker run's P&L): to the paisa."""

TickFloat = Annotated[float, PlainSerializer(float_to_tick_places, return_type=float)]
"""An instrument's price an answer keeps as a float (a strike of the chain)."""
