"""Messages show rupees grouped the Indian way, with the sign before the symbol."""

from __future__ import annotations

from decimal import Decimal

from tradertape.db.models import ModelPortfolio, ModelPosition
from tradertape.services.notifications.events import fill_text


def _closed() -> ModelPosition:
    return ModelPosition(
        symbol="INFY", quantity=10, exit_price=Decimal("1500.05"), exit_reason="rule"
    )


def test_a_closed_position_reports_its_loss_with_the_sign_first():
    portfolio = ModelPortfolio(name="V1")
    text = fill_text(portfolio, _closed(), opened=False, realised=Decimal("-3672.67"))
    assert text == "🏁 V1: sold INFY, 10 @ 1500.05 (rule), P&L −₹3,672.67"
    gain = fill_text(portfolio, _closed(), opened=False, realised=Decimal("1013418.76"))
    assert gain.endswith("P&L +₹10,13,418.76")
