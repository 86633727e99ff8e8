"""Why a fill's charges differ from an identical fill's: a line for the trade row.

A fill is charged the difference it makes to its day's contract note (`ChargeDay`). Most
of that difference is proportional to the fill, but three parts are not, so identical
trades can carry uneven charges: the DP charge (once per ISIN sold from demat per day, on
the sale that first sells it, or given back when a buy the same day makes the sale
intraday), the day's netting of delivery fills bought and sold the same day (the fill that
matches re-prices both as intraday), and STT, rounded to the rupee on the whole note (the
fill that crosses a half rupee pays it). The note names what applied, in rupees.
"""

from __future__ import annotations

from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charges import Fill, Segment, Side
from tradertape.domain.day_netting import flow_key
from tradertape.domain.money import inr, paise


def charges_note(before: ChargeDay, after: ChargeDay, fill: Fill, symbol: str) -> str | None:
    """What made `fill`'s share of its day's note (`after` less `before`) uneven, or None."""
    was, now = before.breakdown, after.breakdown
    lines: list[str] = []
    dp = now.dp - was.dp
    if dp > 0:
        lines.append(f"DP charge {inr(dp)} of this day's {symbol} sale from demat")
    elif dp < 0:
        lines.append(
            f"DP charge {inr(-dp)} given back: {symbol} bought back the same day is intraday"
        )
    netted = 0
    if fill.segment is Segment.EQUITY_DELIVERY:
        key = flow_key(fill.book, fill.exchange, fill.instrument)
        old = before.delivery.get(key)
        netted = after.delivery[key].day_traded - (old.day_traded if old is not None else 0)
    if netted:
        lines.append(
            f"{netted} {symbol} bought and sold today: intraday, the day's note re-prices them"
        )
    stt = now.stt - was.stt
    rates = after.rates
    table = rates.stt_buy if fill.side is Side.BUY else rates.stt_sell
    if not netted and stt != paise(fill.value * table.of(fill.segment)):
        lines.append(f"STT {inr(stt)}: the day's note rounds STT to the rupee")
    return "; ".join(lines) or None
