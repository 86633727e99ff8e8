"""A Patterns finding of the user's journal saved as a strategy, with the backtest to run
(`journal.findings` says which findings make a rule, and how)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.backtest.request import BacktestRequest
from tradertape.db.models import Strategy
from tradertape.domain.instruments import InstrumentCatalog, InstrumentType
from tradertape.domain.money import paise
from tradertape.errors import InvalidField
from tradertape.journal import analytics
from tradertape.journal.findings import Rule, Unmappable, rule_for
from tradertape.ports.clock import Clock
from tradertape.services.research import strategies
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId, StrategyDocument

SECTOR_UNIVERSE = "nifty_500"
MIN_YEARS = 3  # a backtest shorter than this tells little


@dataclass(frozen=True, slots=True)
class Made:
    """The strategy saved, the rule it holds and the backtest to run."""

    strategy: Strategy
    rule: Rule
    backtest: BacktestRequest


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.1'))} %"


def _document(rule: Rule, found: analytics.Stats, dimension: str, bucket: str) -> StrategyDocument:
    base = builtin(BaseModelId.V1).model_dump(mode="json")
    facts = (
        f"From your journal's Patterns ({dimension.replace('_', ' ')}: {bucket}): "
        f"{found.count} trades, {_pct(found.win_rate)} won, "
        f"expectancy ₹{paise(found.expectancy)} a trade. {rule.caveat} "
        "Exits and ranking are V1 Momentum's."
    )
    document: dict[str, Any] = {
        **base,
        "name": f"Journal: {rule.says}"[:120],
        "description": f"{rule.says}. {facts}"[:2000],
        "config": {**base["config"], **rule.config},
    }
    if rule.entry is not None:
        document["entry_rules"] = rule.entry
    return StrategyDocument.model_validate(document)


def _universe(catalog: InstrumentCatalog, sector: str | None) -> str | list[str]:
    if sector is None:
        return "nifty_100"
    symbols = sorted(
        i.tradingsymbol
        for i in catalog.universe(SECTOR_UNIVERSE)
        if i.sector == sector and i.instrument_type is InstrumentType.EQ
    )
    if not symbols:
        raise InvalidField("bucket", f"no {SECTOR_UNIVERSE.upper()} stock is in {sector}")
    return symbols


def _range(trades: Sequence[analytics.Trade], today: date) -> tuple[date, date]:
    """The journal's span, stretched back to `MIN_YEARS` before today when shorter."""
    first = min((t.opened or t.closed for t in trades), default=today)
    earliest = date(today.year - MIN_YEARS, today.month, min(today.day, 28))
    return min(first, earliest), today


def strategy_from_finding(
    db: Session,
    *,
    user_id: int,
    dimension: str,
    bucket: str,
    trades: Sequence[analytics.Trade],
    markets: Mapping[str, analytics.Market],
    catalog: InstrumentCatalog,
    clock: Clock,
    today: date,
) -> Made:
    """Save the finding `dimension`/`bucket` of the user's journal as a strategy (V1
    Momentum with the finding's rule) and the backtest of it over the journal's years."""
    try:
        rule = rule_for(dimension, bucket)
    except Unmappable as problem:
        raise InvalidField("dimension", str(problem)) from None
    found = analytics.patterns(trades, dict(markets)).get(dimension, {}).get(bucket)
    if found is None:
        raise InvalidField("bucket", f"your journal has no trades in {dimension}: {bucket}")
    universe = _universe(catalog, rule.sector)
    row = strategies.create(
        db, _document(rule, found, dimension, bucket), clock=clock, user_id=user_id
    )
    start, end = _range(trades, today)
    backtest = BacktestRequest(
        strategy_id=row.id, universe=universe, start_date=start, end_date=end
    )
    return Made(row, rule, backtest)
