"""`kite_report` reads a broker's order row without ever raising: figures that are not
numbers make an unusable report (``problem`` set) that `LiveOrders.apply_report` skips."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradertape.oms.live.orders import BrokerReport, kite_report


def row(filled: object, average: object) -> dict[str, object]:
    return {
        "order_id": "261120000000001",
        "status": "COMPLETE",
        "filled_quantity": filled,
        "average_price": average,
        "status_message": None,
    }


@pytest.mark.parametrize(
    ("filled", "average"),
    [
        pytest.param("", "1488", id="empty-quantity"),
        pytest.param("abc", "1488", id="word-quantity"),
        pytest.param("2.5", "1488", id="fractional-quantity"),
        pytest.param(-10, "1488", id="negative-quantity"),
        pytest.param(True, "1488", id="boolean-quantity"),
        pytest.param(10, "", id="empty-price"),
        pytest.param(10, "abc", id="word-price"),
        pytest.param(10, "NaN", id="nan-price"),
        pytest.param(10, "Infinity", id="infinite-price"),
        pytest.param(10, -1488, id="negative-price"),
        pytest.param(10, None, id="a-fill-without-a-price"),
        pytest.param(10, [1488], id="a-list"),
        # sized before any arithmetic: int() of "1E+600000" held a server for minutes (#66)
        pytest.param("1E+600000", "1488", id="huge-exponent-quantity"),
        pytest.param(10**400, "1488", id="400-digit-quantity"),
        pytest.param("9" * 5000, "1488", id="5000-nines"),
        pytest.param(10, "1e-600000", id="tiny-price"),
    ],
)
def test_malformed_figures_make_an_unusable_report(filled: object, average: object):
    report = kite_report(row(filled, average))

    assert report == BrokerReport(
        "261120000000001",
        "COMPLETE",
        0,
        Decimal(0),
        problem=f"unusable figures: filled_quantity={repr(filled)[:40]}, "
        f"average_price={repr(average)[:40]}",
    )


@pytest.mark.parametrize(
    ("filled", "average", "expected"),
    [
        pytest.param(10, 1488.0, (10, Decimal("1488.0")), id="numbers"),
        pytest.param(" 10 ", "1488.35", (10, Decimal("1488.35")), id="numeric-strings"),
        pytest.param("10.0", "1488", (10, Decimal("1488")), id="a-whole-float-quantity"),
        pytest.param(None, None, (0, Decimal(0)), id="nothing-filled-yet"),
        pytest.param(0, 0, (0, Decimal(0)), id="no-fill-no-price"),
    ],
)
def test_well_formed_figures_are_read(
    filled: object, average: object, expected: tuple[int, Decimal]
):
    report = kite_report(row(filled, average))

    assert report.problem is None
    assert (report.filled_quantity, report.average_price) == expected
