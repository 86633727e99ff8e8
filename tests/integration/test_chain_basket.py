"""The option chain's structure placed as one basket (issue 55): margin before sending,
legs hedge-first through the one gate, a refused leg unwinding what filled, bad input
naming the field."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import set_price
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.baskets.chain import KEY_WINDOW
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
CALL = "NIFTY26DEC25000CE"  # the December 2026 monthly, priced from the index
FAR_CALL = "NIFTY26DEC25500CE"


def _ready(client: TestClient, runtime: Runtime, email: str) -> None:
    sign_in(client, runtime, email)
    set_price(runtime, NIFTY, "25000")
    funded = client.post("/api/portfolio/funds", json={"amount": "2000000"})
    assert funded.status_code == 201, funded.text


def _spread(**extra: Any) -> dict[str, Any]:
    """A bull call spread written sell-first: the basket sends the bought leg first."""
    return {
        "legs": [
            {"tradingsymbol": FAR_CALL, "transaction_type": "SELL", "lots": 1},
            {"tradingsymbol": CALL, "transaction_type": "BUY", "lots": 1},
        ],
        **extra,
    }


def _net(client: TestClient) -> dict[str, int]:
    positions = client.get("/api/portfolio/positions").json()["net"]
    return {p["tradingsymbol"]: int(p["quantity"]) for p in positions if p["quantity"]}


def test_a_spread_shows_its_margin_then_goes_hedge_first(client: TestClient, runtime: Runtime):
    _ready(client, runtime, "chain@x.in")
    margin = client.post("/api/options/basket/preview", json=_spread())
    assert margin.status_code == 200, margin.text
    shown = margin.json()
    assert shown["order"] == [1, 0]  # the bought leg first
    assert float(shown["margin_required"]) > 0
    assert float(shown["available"]) > float(shown["margin_required"])
    assert shown["source"] == "estimate"

    placed = client.post("/api/options/basket", json=_spread(idempotency_key="spread-1"))
    assert placed.status_code == 200, placed.text
    body = placed.json()
    assert body["status"] == "success"
    assert [(leg["tradingsymbol"], leg["state"]) for leg in body["legs"]] == [
        (CALL, "filled"),
        (FAR_CALL, "filled"),
    ]
    assert body["unwind"] == []
    lot = body["legs"][0]["quantity"]
    assert _net(client) == {CALL: lot, FAR_CALL: -lot}

    again = client.post("/api/options/basket", json=_spread(idempotency_key="spread-1"))
    assert [leg["order_id"] for leg in again.json()["legs"]] == [
        leg["order_id"] for leg in body["legs"]
    ]
    assert _net(client) == {CALL: lot, FAR_CALL: -lot}  # sent once


def test_a_refused_leg_unwinds_its_partner(client: TestClient, runtime: Runtime):
    _ready(client, runtime, "unwind@x.in")
    rule = client.post("/api/risk/rules", json={"type": "max_open_positions", "threshold_count": 1})
    assert rule.status_code == 201, rule.text
    placed = client.post("/api/options/basket", json=_spread()).json()
    assert placed["status"] == "unwound"
    assert [leg["state"] for leg in placed["legs"]] == ["filled", "rejected"]
    assert "risk rule" in placed["legs"][1]["reason"]
    assert [
        (leg["tradingsymbol"], leg["transaction_type"], leg["state"]) for leg in placed["unwind"]
    ] == [(CALL, "SELL", "filled")]
    assert _net(client) == {}


def test_the_kill_switch_refuses_the_first_leg_and_sends_no_other(
    client: TestClient, runtime: Runtime
):
    _ready(client, runtime, "killed@x.in")
    assert client.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    placed = client.post("/api/options/basket", json=_spread()).json()
    assert placed["status"] == "failed"
    assert [leg["state"] for leg in placed["legs"]] == ["rejected", "skipped"]
    assert placed["legs"][1]["order_id"] is None
    assert placed["unwind"] == []
    assert _net(client) == {}


def test_bad_baskets_name_the_field(client: TestClient, runtime: Runtime):
    _ready(client, runtime, "bad-chain@x.in")
    limit_without_price = _spread()
    limit_without_price["legs"][1] |= {"order_type": "LIMIT"}
    cases = [
        ({"legs": []}, "legs"),
        (limit_without_price, "legs[1].price"),
        (
            {"legs": [{"tradingsymbol": "INFY", "transaction_type": "BUY", "lots": 1}]},
            "legs[0].tradingsymbol",
        ),
        ({"legs": [{"tradingsymbol": CALL, "transaction_type": "BUY", "lots": 0}]}, "lots"),
        (_spread(mode="paper", broker="kite"), "broker"),
    ]
    for body, field in cases:
        for path in ("/api/options/basket/preview", "/api/options/basket"):
            refused = client.post(path, json=body)
            assert refused.status_code == 422, (path, body, refused.text)
            assert field in refused.text, (path, field, refused.text)
    live = client.post("/api/options/basket", json=_spread(mode="live"))
    assert live.status_code == 403, live.text  # live trading is off: nothing sent
    assert _net(client) == {}


def test_the_basket_needs_a_signed_in_user(client: TestClient, runtime: Runtime):
    assert client.post("/api/options/basket", json=_spread()).status_code == 401


def test_a_spreads_preview_credits_its_hedge(client: TestClient, runtime: Runtime):
    """Bought 27750 CE, sold 27850 CE (docs/margins.md): the sold leg's SPAN is covered (a
    debit spread's risk is its premium), so the estimate is the premium and the sold leg's
    exposure, not the sold leg alone (₹5,28,271.25 before the hedge credit)."""
    sign_in(client, runtime, "hedged@x.in")
    set_price(runtime, NIFTY, "27800")
    bought, sold = "NIFTY26DEC27750CE", "NIFTY26DEC27850CE"
    for symbol, price in ((bought, "190.00"), (sold, "140.00")):
        set_price(runtime, f"NFO:{symbol}", price)
    spread = {
        "legs": [
            {"tradingsymbol": bought, "transaction_type": "BUY", "lots": 1},
            {"tradingsymbol": sold, "transaction_type": "SELL", "lots": 1},
        ]
    }
    shown = client.post("/api/options/basket/preview", json=spread)
    assert shown.status_code == 200, shown.text
    assert shown.json()["source"] == "estimate"
    # premium 190 × 65 = 12,350 + NIFTY's exposure 2 % × 27,800 × 65 = 36,140
    assert float(shown.json()["margin_required"]) == 48_490.00


def _limit_spread(buy_price: str, sell_price: str | None = None) -> dict[str, Any]:
    """The bull call spread, its bought leg a LIMIT at `buy_price` (its sold leg too when
    `sell_price` is given)."""
    body = _spread()
    body["legs"][1] |= {"order_type": "LIMIT", "price": buy_price}
    if sell_price is not None:
        body["legs"][0] |= {"order_type": "LIMIT", "price": sell_price}
    return body


def test_a_limit_legs_bad_price_names_the_leg(client: TestClient, runtime: Runtime):
    """A LIMIT leg's price must be above zero and on the contract's tick (₹0.05); a MARKET
    leg takes none. Each refusal is a 422 naming ``legs[i].price``, before anything is
    sent, on the preview and on the basket alike."""
    _ready(client, runtime, "limit-bad@x.in")
    market_with_price = _spread()
    market_with_price["legs"][0] |= {"price": "10.05"}
    cases = [
        (_limit_spread("0"), "legs[1].price"),
        (_limit_spread("-5"), "legs[1].price"),
        (_limit_spread("120.03"), "legs[1].price"),  # off the ₹0.05 tick
        (_limit_spread("120.05", "80.01"), "legs[0].price"),
        (market_with_price, "legs[0].price"),
    ]
    for body, field in cases:
        for path in ("/api/options/basket/preview", "/api/options/basket"):
            refused = client.post(path, json=body)
            assert refused.status_code == 422, (path, body, refused.text)
            assert refused.json()["detail"][0]["field"] == field, (path, refused.text)
    assert _net(client) == {}


def test_the_chain_quotes_each_contracts_touch_and_tick(client: TestClient, runtime: Runtime):
    """The chain gives each contract its bid, offer and tick: where a LIMIT leg starts."""
    _ready(client, runtime, "touch@x.in")
    chain = client.get("/api/options/underlyings/NIFTY/chain", params={"expiry": "2026-12-29"})
    assert chain.status_code == 200, chain.text
    calls = [r["call"] for r in chain.json()["rows"] if r["call"]]
    call = next(c for c in calls if c["tradingsymbol"] == CALL)
    assert call["tick_size"] == "0.05"
    bid, ask, ltp = (float(call[k]) for k in ("bid", "ask", "ltp"))
    assert bid <= ltp <= ask
    assert ask - bid <= 0.1 + 1e-9  # one tick either side of the last price


def test_limit_legs_are_previewed_and_placed_at_their_price(client: TestClient, runtime: Runtime):
    """A LIMIT leg goes as a LIMIT order at its price: a bought leg limited above the offer
    fills, a sold leg limited far above the bid waits on the book (``open``)."""
    _ready(client, runtime, "limit@x.in")
    set_price(runtime, f"NFO:{CALL}", "300.00")
    set_price(runtime, f"NFO:{FAR_CALL}", "100.00")
    body = _limit_spread("310.00", "150.00")
    shown = client.post("/api/options/basket/preview", json=body)
    assert shown.status_code == 200, shown.text
    assert float(shown.json()["margin_required"]) > 0

    placed = client.post("/api/options/basket", json=body)
    assert placed.status_code == 200, placed.text
    legs = placed.json()["legs"]
    assert [(leg["tradingsymbol"], leg["state"]) for leg in legs] == [
        (CALL, "filled"),
        (FAR_CALL, "open"),
    ]
    orders = {
        leg["tradingsymbol"]: client.get(f"/api/orders/{leg['order_id']}").json() for leg in legs
    }
    assert (orders[CALL]["order_type"], float(orders[CALL]["price"])) == ("LIMIT", 310.0)
    assert (orders[FAR_CALL]["order_type"], float(orders[FAR_CALL]["price"])) == ("LIMIT", 150.0)
    assert orders[FAR_CALL]["status"] == "OPEN"


def test_a_calendar_spreads_preview_keeps_the_calendar_charge(client: TestClient, runtime: Runtime):
    """Sold 27850 CE of the nearest expiry at 72.30, bought 27850 CE of December at 260.00,
    NIFTY at 27,800 (docs/margins.md): the calendar keeps 25 % of the sold lot's SPAN, +
    exposure 36,140 (2 % of 27,800 × 65) + the bought premium 16,900. Short far and long near
    is no spread: the far sold lot alone + 72.30 × 65 (4,699.50). The sold lot's SPAN is what
    its own preview shows less its exposure (by SPAN's scenarios; on the flat table 2,16,840,
    which gives docs/margins.md's 1,07,250.00 and 2,57,679.50)."""
    sign_in(client, runtime, "calendar@x.in")
    set_price(runtime, NIFTY, "27800")
    expiries = client.get("/api/options/underlyings/NIFTY/chain").json()["expiries"]
    symbols = []
    for expiry in (expiries[0], "2026-12-29"):
        chain = client.get("/api/options/underlyings/NIFTY/chain", params={"expiry": expiry})
        row = next(r for r in chain.json()["rows"] if float(r["strike"]) == 27850)
        symbols.append(row["call"]["tradingsymbol"])
    near, far = symbols
    assert near != far
    set_price(runtime, f"NFO:{near}", "72.30")
    set_price(runtime, f"NFO:{far}", "260.00")

    def margin(sold: str, bought: str) -> float:
        legs = [
            {"tradingsymbol": sold, "transaction_type": "SELL", "lots": 1},
            {"tradingsymbol": bought, "transaction_type": "BUY", "lots": 1},
        ]
        shown = client.post("/api/options/basket/preview", json={"legs": legs})
        assert shown.status_code == 200, shown.text
        return float(shown.json()["margin_required"])

    def alone(sold: str) -> float:
        legs = [{"tradingsymbol": sold, "transaction_type": "SELL", "lots": 1}]
        shown = client.post("/api/options/basket/preview", json={"legs": legs})
        assert shown.status_code == 200, shown.text
        return float(shown.json()["margin_required"])

    span = alone(near) - 36_140.00
    assert 0 < span < 216_840.00  # moneyness-aware: under the flat 12 % of the notional
    assert margin(near, far) == pytest.approx(0.25 * span + 36_140.00 + 16_900.00, abs=0.011)
    assert margin(far, near) == pytest.approx(alone(far) + 4_699.50, abs=0.011)


def test_a_resting_hedge_halts_the_basket_before_its_short_is_sent(
    client: TestClient, runtime: Runtime
):
    """Issue 66: hedge-first only ordered the sends, so a hedge left resting (a far limit)
    still let the short go: a naked short reported as success. The short now goes only once
    the hedge has filled; a paper hedge resting when sent halts the basket at once, is
    cancelled with the halt (a later tick crossing its limit fills nothing), and the answer
    says why the short was not sent."""
    _ready(client, runtime, "resting@x.in")
    set_price(runtime, f"NFO:{CALL}", "300.00")
    set_price(runtime, f"NFO:{FAR_CALL}", "100.00")
    placed = client.post("/api/options/basket", json=_limit_spread("150.00"))  # rests
    assert placed.status_code == 200, placed.text
    answer = placed.json()
    assert [(leg["tradingsymbol"], leg["state"]) for leg in answer["legs"]] == [
        (CALL, "cancelled"),
        (FAR_CALL, "skipped"),
    ]
    assert answer["status"] == "failed"
    assert answer["unwind"] == []
    reason = answer["legs"][1]["reason"]
    assert "hedge leg 2 had not filled (open) when it was sent" in reason
    assert "the short legs were not sent" in reason

    crossing = make_tick(f"NFO:{CALL}", "140.00", ts=runtime.clock.now())  # under its limit
    with runtime.db.session() as db:
        assert runtime.exchange.on_tick(db, crossing, traded_volume=10_000) == []
    assert _net(client) == {}


def test_a_basket_without_a_key_is_the_same_basket_for_a_minute_only(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """Issue 66: the legs' key had no time limit, so the same spread sent later "succeeded"
    and placed nothing. Sent again within `KEY_WINDOW` (a double click, across a minute's
    edge too) it answers its first orders; sent later, it is a new basket."""
    _ready(client, runtime, "window@x.in")
    now = clock.now()
    clock.set(now.replace(second=59, microsecond=500_000))  # just before a window's edge
    first = client.post("/api/options/basket", json=_spread()).json()
    assert first["status"] == "success"
    lot = first["legs"][0]["quantity"]

    clock.advance(timedelta(seconds=1))  # the next window, a second later: the same basket
    again = client.post("/api/options/basket", json=_spread()).json()
    assert again["idempotency_key"] == first["idempotency_key"]
    assert [leg["order_id"] for leg in again["legs"]] == [leg["order_id"] for leg in first["legs"]]
    assert _net(client) == {CALL: lot, FAR_CALL: -lot}

    clock.advance(KEY_WINDOW)  # a minute on: the same structure is a new basket
    later = client.post("/api/options/basket", json=_spread()).json()
    assert later["status"] == "success"
    assert later["idempotency_key"] != first["idempotency_key"]
    assert {leg["order_id"] for leg in later["legs"]}.isdisjoint(
        leg["order_id"] for leg in first["legs"]
    )
    assert _net(client) == {CALL: 2 * lot, FAR_CALL: -2 * lot}


def _preview(client: TestClient, legs: list[tuple[str, str]]) -> dict[str, Any]:
    body = {"legs": [{"tradingsymbol": s, "transaction_type": t, "lots": 1} for s, t in legs]}
    shown = client.post("/api/options/basket/preview", json=body)
    assert shown.status_code == 200, shown.text
    return dict(shown.json())


def test_wings_on_a_short_strangle_cut_its_margin_and_say_by_how_much(
    client: TestClient, runtime: Runtime
):
    """Issue 64's strangle and condor, worked: NIFTY at 27,800, lot 65, the December
    monthly. Sold 28,000 CE at 100 and 27,600 PE at 90; the condor buys the 28,200 CE at 50
    and the 27,400 PE at 40 as wings. Exposure is 2 % × 27,800 × 65 = 36,140 a sold lot.

    Each leg alone (its own preview): a sold option is its SPAN + 36,140, a bought one its
    premium. The strangle keeps the worse side's SPAN plus the other side's premium
    (docs/margins.md). The condor's call spread risks 200 − 100 = 100 a unit, the put
    spread 200 − 90 = 110; paired as a strangle the lesser side (the call's 100) keeps the
    lower of its risk and its premium (100): SPAN 6,500 + 7,150 = 13,650, exposure 72,280,
    wings' premium 3,250 + 2,600 = 5,850, so **91,780.00**. The benefit is always the legs
    alone less the legs together."""
    sign_in(client, runtime, "condor@x.in")
    set_price(runtime, NIFTY, "27800")
    prices = {
        "NIFTY26DEC28000CE": "100.00",
        "NIFTY26DEC27600PE": "90.00",
        "NIFTY26DEC28200CE": "50.00",
        "NIFTY26DEC27400PE": "40.00",
    }
    for symbol, price in prices.items():
        set_price(runtime, f"NFO:{symbol}", price)
    call, put = ("NIFTY26DEC28000CE", "SELL"), ("NIFTY26DEC27600PE", "SELL")
    wings = [("NIFTY26DEC28200CE", "BUY"), ("NIFTY26DEC27400PE", "BUY")]

    def alone(leg: tuple[str, str]) -> float:
        shown = _preview(client, [leg])
        assert float(shown["hedge_benefit"]) == 0  # one leg offsets nothing
        assert shown["margin_without_hedge"] == shown["margin_required"]
        return float(shown["margin_required"])

    exposure = 36_140.00
    span_call, span_put = alone(call) - exposure, alone(put) - exposure
    assert alone(wings[0]) == 50 * 65
    assert alone(wings[1]) == 40 * 65

    strangle = _preview(client, [call, put])
    naked = alone(call) + alone(put)
    assert float(strangle["margin_without_hedge"]) == pytest.approx(naked, abs=0.001)
    lesser_premium = 100 * 65 if span_call <= span_put else 90 * 65
    hedged = max(span_call, span_put) + lesser_premium + 2 * exposure
    assert float(strangle["margin_required"]) == pytest.approx(hedged, abs=0.011)
    assert float(strangle["hedge_benefit"]) == pytest.approx(naked - hedged, abs=0.011)

    condor = _preview(client, [call, put, *wings])
    assert float(condor["margin_required"]) == 91_780.00
    assert float(condor["margin_without_hedge"]) == pytest.approx(naked + 5_850, abs=0.001)
    benefit = float(condor["margin_without_hedge"]) - 91_780.00
    assert float(condor["hedge_benefit"]) == pytest.approx(benefit, abs=0.001)
    # the wings cost 5,850 and free far more than that
    assert float(condor["margin_required"]) < float(strangle["margin_required"]) - 5_850
    assert float(condor["hedge_benefit"]) > float(strangle["hedge_benefit"])


def test_the_chain_shows_each_contracts_interest_volume_touch_and_greeks(
    client: TestClient, runtime: Runtime
):
    """Each contract of the web's chain: OI and its change since the previous session in
    whole lots, the day's volume from the contract's own tick, bid ≤ LTP ≤ ask, in or out
    of the money, and the greeks of Black-76 at its IV (theta per day, vega per point)."""
    from tradertape.domain.option_listing import years_to_expiry
    from tradertape.domain.option_math import OptionKind, greeks

    _ready(client, runtime, "chain-fields@x.in")
    chain = client.get("/api/options/underlyings/NIFTY/chain", params={"expiry": "2026-12-29"})
    assert chain.status_code == 200, chain.text
    body = chain.json()
    lot, spot = body["lot_size"], float(body["spot"])
    contracts = [c for r in body["rows"] for c in (r["call"], r["put"]) if c]
    assert contracts
    for c in contracts:
        assert c["oi"] % lot == 0
        assert c["oi_change"] % lot == 0
        assert -0.15 * c["oi"] - lot <= c["oi_change"] <= 0.25 * c["oi"] + lot
        tick = runtime.options.last_tick(f"NFO:{c['tradingsymbol']}")
        assert tick is not None
        assert c["volume"] == tick.volume
        assert c["volume"] % lot == 0
        assert float(c["bid"]) <= float(c["ltp"]) <= float(c["ask"])
        strike = float(c["strike"])
        assert c["itm"] is ((strike < spot) if c["option_type"] == "CE" else (strike > spot))
    assert any(c["oi_change"] > 0 for c in contracts)
    assert any(c["volume"] > 0 for c in contracts)  # 10:00 IST: the session is under way

    atm = next(r["call"] for r in body["rows"] if float(r["strike"]) == float(body["atm_strike"]))
    years = years_to_expiry(runtime.clock.now(), date(2026, 12, 29))
    forward = spot * math.exp(runtime.options.rate * years)
    want = greeks(
        OptionKind.CE, forward, float(atm["strike"]), years, atm["iv"] / 100, runtime.options.rate
    )
    assert atm["delta"] == pytest.approx(want.delta, abs=1e-3)
    assert atm["theta"] == pytest.approx(want.theta, rel=1e-3)
    assert atm["theta"] < 0  # per calendar day, a holder loses it
    assert atm["vega"] == pytest.approx(want.vega, rel=1e-3)
    assert atm["gamma"] == pytest.approx(want.gamma, rel=1e-3)
