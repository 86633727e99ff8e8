"""A GTT's values when it fires (issue 22): the price band is the order's, checked around
the price that fired it, so a dip-buyer's trigger far below today's price still places;
a leg the band or the grid refuses is a rejection recorded on the trigger, never an
exception, and the other triggers of the tick fire as usual."""

from __future__ import annotations

from sqlalchemy import update

from tests.integration.conftest import PaperDesk
from tests.integration.test_gtt import leg, tick
from tradertape.db.engine import Database
from tradertape.db.models.trading import Gtt
from tradertape.domain.calendar_data import nse_calendar
from tradertape.oms.paper.gtt import GttBook
from tradertape.ports.broker import GttSpec


def _single(trigger: str, side: str, price: str, last: str = "1400") -> GttSpec:
    return GttSpec("NSE", "INFY", [trigger], last, [leg(side, 10, price)])


def test_a_dip_buyers_trigger_fires_within_the_band_of_its_own_price(
    paper: PaperDesk, database: Database
):
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    with database.session() as db:
        dip = gtts.create(db, user_id=paper.user_id, spec=_single("1120", "BUY", "1125"))
        fired = gtts.on_tick(db, tick(paper.clock, "1120"))
        order = gtts.orders_of(db, fired)[dip.id]
    assert [g.id for g in fired] == [dip.id]
    assert order.status == "COMPLETE"


def test_a_leg_outside_the_band_at_fire_is_a_recorded_rejection(
    paper: PaperDesk, database: Database
):
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    with database.session() as db:
        # a stop whose limit sits 25 % under the price that fires it: the band refuses it
        far = gtts.create(db, user_id=paper.user_id, spec=_single("1300", "BUY", "975"))
        near = gtts.create(db, user_id=paper.user_id, spec=_single("1300", "BUY", "1305"))
        fired = gtts.on_tick(db, tick(paper.clock, "1300"))
        db.refresh(far)
        db.refresh(near)
    assert {g.id for g in fired} == {far.id, near.id}
    assert far.status == "rejected"
    assert far.result is not None
    reason = far.result["order_result"]["rejection_reason"]
    assert "price band" in reason
    assert near.status == "triggered"
    assert near.order_pk is not None


def test_a_stored_leg_no_grid_divides_is_rejected_at_fire_not_raised(
    paper: PaperDesk, database: Database
):
    """A row stored before legs were checked (``1E+999``: ``value % tick`` raised and
    stopped the background jobs) is refused as the order it would place."""
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    with database.session() as db:
        bad = gtts.create(db, user_id=paper.user_id, spec=_single("1450", "BUY", "1455"))
        db.execute(update(Gtt).where(Gtt.id == bad.id).values(orders=[leg("BUY", 10, "1E+999")]))
        db.commit()
        fired = gtts.on_tick(db, tick(paper.clock, "1450"))
        db.refresh(bad)
    assert [g.id for g in fired] == [bad.id]
    assert bad.status == "rejected"
    assert bad.result is not None
    assert "tick" in bad.result["order_result"]["rejection_reason"]
