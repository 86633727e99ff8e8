"""The chain simulator (issue 70): the chain at a past minute from imported minutes (else
the bhavcopy, else the demo's market, said so), and a session played forward with legs
entered, exited, charged and saved to the journal: a short straddle worked to the paisa."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import PASSWORD, sign_in
from tests.workers_kit import set_price
from tradertape.backtest.options.past_market import carried, lot_size_of, open_day
from tradertape.candles.fo_minutes import MINUTE_SCHEMA, FoMinuteStore
from tradertape.db.models.trading import Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user

DAY = date(2024, 12, 17)
EXPIRY = date(2024, 12, 19)
AT_10 = "2024-12-17T10:00:00+05:30"  # minute 45
LOT = lot_size_of("NIFTY")


def _rows(
    kind: str, expiry: date | None, strike: float, bars: dict[int, float]
) -> list[dict[str, object]]:
    return [
        {"kind": kind, "expiry": expiry, "strike": strike, "minute": m, "open": c, "high": c,
         "low": c, "close": c, "volume": 100}
        for m, c in sorted(bars.items())
    ]  # fmt: skip


def import_day(data_dir: Path, day: date = DAY) -> None:
    """NIFTY's 17 Dec 2024 (or `day`) as minute candles: the index, its 19 Dec 24000 call
    and put (traded at 10:00, 12:00 and 14:00 only) and the December future."""
    index = {m: 24000.0 + (m % 7) for m in range(375)}
    rows = (
        _rows("CE", EXPIRY, 24000.0, {45: 120.50, 165: 101.00, 285: 95.30})
        + _rows("CE", EXPIRY, 24050.0, {45: 98.40, 285: 70.00})
        + _rows("FUT", date(2024, 12, 26), 0.0, dict.fromkeys(range(375), 24080.0))
        + _rows("IDX", None, 0.0, index)
        + _rows("PE", EXPIRY, 24000.0, {45: 110.25, 165: 90.00, 285: 80.10})
        + _rows("PE", EXPIRY, 24050.0, {45: 140.00})
    )
    store = FoMinuteStore.in_data_folder(data_dir)
    path = store.path("NIFTY", day)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=MINUTE_SCHEMA), path)


def test_a_price_carries_forward_from_its_last_trade() -> None:
    nan = float("nan")
    import numpy as np

    out = carried(np.array([nan, 1.0, nan, nan, 2.0, nan]))
    assert np.isnan(out[0])
    assert out[1:].tolist() == [1.0, 1.0, 1.0, 2.0, 2.0]


def test_the_chain_at_a_past_minute_reads_the_imported_minutes(
    client: TestClient, runtime: Runtime
) -> None:
    import_day(runtime.settings.data_dir)
    sign_in(client, runtime, "sim@x.in")
    got = client.get(
        "/api/simulator/chain", params={"underlying": "NIFTY", "at": AT_10, "window": 1}
    )
    assert got.status_code == 200, got.text
    chain = got.json()
    assert (chain["source"], chain["minute"], chain["expiry"]) == ("minutes", 45, "2024-12-19")
    assert chain["at"] == "2024-12-17T04:30:00Z"
    assert chain["spot"] == "24003.00"  # minute 45: 24000 + 45 % 7
    assert chain["future"] == {"expiry": "2024-12-26", "ltp": "24080.00"}
    row = next(r for r in chain["rows"] if Decimal(r["strike"]) == 24000)
    call = row["call"]
    assert (call["tradingsymbol"], call["ltp"], call["lot_size"]) == (
        "NIFTY24D1924000CE",
        "120.50",
        LOT,
    )
    assert 5 < call["iv"] < 60
    assert 0 < call["delta"] < 1
    assert call["oi"] is None
    assert chain["oi_source"] == "none"
    # 09:30: nothing has traded yet, so no price and no IV (never a made-up number)
    early = client.get(
        "/api/simulator/chain",
        params={"underlying": "NIFTY", "at": "2024-12-17T09:30:00+05:30", "window": 1},
    ).json()
    first = next(r for r in early["rows"] if Decimal(r["strike"]) == 24000)["call"]
    assert first["ltp"] is None
    assert first["iv"] is None


def test_a_day_with_nothing_imported_is_the_demo_market_said_so(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "sim@x.in")
    chain = client.get("/api/simulator/chain", params={"underlying": "NIFTY", "at": AT_10})
    assert chain.status_code == 200, chain.text
    assert chain.json()["source"] == "synthetic"
    assert "made up" in chain.json()["source_note"]
    assert open_day("NIFTY", DAY, runtime.settings.data_dir).source == "synthetic"


def test_bad_chain_requests_name_their_field(client: TestClient, runtime: Runtime) -> None:
    sign_in(client, runtime, "sim@x.in")
    cases = [
        ({"underlying": "NIFTY", "at": "2024-12-17T08:00:00+05:30"}, "at"),
        ({"underlying": "NIFTY", "at": "yesterday"}, "at"),
        ({"underlying": "NIFTY", "at": "2099-12-17T10:00:00+05:30"}, "at"),
        ({"underlying": "RELIANCE", "at": AT_10}, "underlying"),
        ({"underlying": "NIFTY", "at": AT_10, "expiry": "2024-12-20"}, "expiry"),
    ]
    for params, field in cases:
        got = client.get("/api/simulator/chain", params=params)
        assert got.status_code == 422, (params, got.text)
        assert field in str(got.json()["detail"]), (params, got.text)


def test_a_short_straddle_played_from_10_to_14_to_the_paisa(
    client: TestClient, runtime: Runtime
) -> None:
    """Sell one lot each of the 24000 call and put at 10:00 (₹120.50, ₹110.25) and buy
    them back at 14:00 (₹95.30, ₹80.10), on Zerodha's schedule of 1 Oct 2024.

    With a lot of 65: the call makes 65 × 25.20 = ₹1,638.00, the put 65 × 30.15 = ₹1,959.75,
    ₹3,597.75 gross. Turnover 7,832.50 + 7,166.25 + 6,194.50 + 5,206.50 = ₹26,399.75, of
    which sells ₹14,998.75 and buys ₹11,401.00. Charges: brokerage 4 orders × ₹20 = ₹80;
    STT 0.1 % of sells = ₹14.99875 → ₹15 (whole rupees); NSE transaction 0.03503 % =
    ₹9.247832425; IPFT 0.0005 % = ₹0.13199875; SEBI ₹10/crore = ₹0.02639975; stamp
    0.003 % of buys = ₹0.34203; GST 18 % of (80 + 9.247832425 + 0.13199875 + 0.02639975)
    = ₹16.0931215665. Total ₹120.8413824915 → ₹120.84; net ₹3,476.91."""
    assert LOT == 65
    import_day(runtime.settings.data_dir)
    user = sign_in(client, runtime, "sim@x.in")
    made = client.post("/api/simulator/sessions", json={"underlying": "NIFTY", "at": AT_10})
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    assert (made.json()["minute"], made.json()["expiry"]) == (45, "2024-12-19")
    for kind in ("CE", "PE"):
        leg = {"strike": "24000", "option_type": kind, "transaction_type": "SELL", "lots": 1}
        added = client.post(f"/api/simulator/sessions/{sid}/legs", json=leg)
        assert added.status_code == 200, added.text
    state = added.json()
    assert [(leg["entry_price"], leg["pnl"]) for leg in state["legs"]] == [
        ("120.50", "0.00"), ("110.25", "0.00")
    ]  # fmt: skip
    assert state["payoff"]["net_premium"] == "14998.75"  # received: 65 × 230.75

    # two hours on: 12:00 prices (₹101.00 and ₹90.00)
    stepped = client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 120})
    assert stepped.status_code == 200, stepped.text
    body = stepped.json()
    assert body["moved"] == 120
    assert len(body["frames"]) == 120
    assert body["frames"][0]["minute"] == 46
    assert body["frames"][-1]["minute"] == 165
    assert body["session"]["mtm"] == "2583.75"  # 65 × (19.50 + 20.25)
    assert body["frames"][-1]["mtm"] == "2583.75"
    # to 14:00, and out
    client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 120})
    for leg_id in (1, 2):
        out = client.post(f"/api/simulator/sessions/{sid}/legs/{leg_id}/exit")
        assert out.status_code == 200, out.text
    done = out.json()
    assert [leg["pnl"] for leg in done["legs"]] == ["1638.00", "1959.75"]
    assert (done["realised"], done["unrealised"], done["mtm"]) == ("3597.75", "0.00", "3597.75")
    assert (done["charges"], done["net"]) == ("120.84", "3476.91")
    assert done["payoff"] is None  # nothing open
    # the same legs stepped past the exit keep their exit
    later = client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 30}).json()
    assert later["session"]["mtm"] == "3597.75"
    again = client.post(f"/api/simulator/sessions/{sid}/legs/1/exit")
    assert again.status_code == 409

    frames = client.get(f"/api/simulator/sessions/{sid}/frames", params={"start": 44, "count": 3})
    assert [f["minute"] for f in frames.json()] == [44, 45, 46]
    assert [f["mtm"] for f in frames.json()] == ["0.00", "0.00", "0.00"]
    assert frames.json()[0]["legs"] == []  # 09:59: nothing entered yet

    saved = client.post(f"/api/simulator/sessions/{sid}/journal")
    assert saved.status_code == 200, saved.text
    assert saved.json()["trades"] == 4
    assert client.post(f"/api/simulator/sessions/{sid}/journal").status_code == 409
    uploads = client.get("/api/uploads").json()
    assert any(u["kind"] == "simulation" and u["id"] == saved.json()["upload_id"] for u in uploads)
    from tradertape.services.journal.ledger import journal_trades

    with runtime.db.sessions() as db:
        trades = [t for t in journal_trades(db, user_id=user) if t.account == "sim:" + str(sid)]
    assert sorted((t.side, t.price) for t in trades) == [
        ("buy", Decimal("80.1")), ("buy", Decimal("95.3")),
        ("sell", Decimal("110.25")), ("sell", Decimal("120.5")),
    ]  # fmt: skip


def test_sessions_are_the_owners_and_bounded(client: TestClient, runtime: Runtime) -> None:
    import_day(runtime.settings.data_dir)
    sign_in(client, runtime, "a@x.in")
    made = client.post("/api/simulator/sessions", json={"underlying": "NIFTY", "at": AT_10})
    sid = made.json()["id"]
    short = {"strike": "24000", "option_type": "CE", "transaction_type": "SELL", "lots": 1}
    bad = [
        ({**short, "option_type": "XE"}, "option_type"),
        ({**short, "lots": 0}, "lots"),
        ({**short, "strike": "24010"}, "strike"),
        ({**short, "expiry": "2024-12-20"}, "expiry"),
    ]
    for leg, field in bad:
        got = client.post(f"/api/simulator/sessions/{sid}/legs", json=leg)
        assert got.status_code == 422, (leg, got.text)
        assert field in got.text, (leg, got.text)
    assert (
        client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 376}).status_code == 422
    )
    assert client.post(f"/api/simulator/sessions/{sid}/journal").status_code == 409  # no fill
    leg = {"strike": "24050", "option_type": "PE", "transaction_type": "BUY", "lots": 1}
    for _ in range(12):
        assert client.post(f"/api/simulator/sessions/{sid}/legs", json=leg).status_code == 200
    full = client.post(f"/api/simulator/sessions/{sid}/legs", json=leg)
    assert full.status_code == 422
    assert "legs" in full.text

    client.post("/api/auth/logout")
    sign_in(client, runtime, "b@x.in")
    assert client.get(f"/api/simulator/sessions/{sid}").status_code == 404
    assert (
        client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 1}).status_code == 404
    )
    assert client.get("/api/simulator/sessions").json() == []


def _straddle(client: TestClient, at: str = AT_10) -> int:
    sid = int(client.post("/api/simulator/sessions", json={"underlying": "NIFTY", "at": at})
              .json()["id"])  # fmt: skip
    for kind in ("CE", "PE"):
        leg = {"strike": "24000", "option_type": kind, "transaction_type": "SELL", "lots": 1}
        assert client.post(f"/api/simulator/sessions/{sid}/legs", json=leg).status_code == 200
    return sid


def _sim_pnl(client: TestClient, sid: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    pnl = client.get("/api/journal/pnl", params={"include_paper": "true"}).json()
    mine = f"sim:{sid}"
    return (
        [t for t in pnl["round_trips"] if t["account"] == mine],
        [p for p in pnl["open"] if p["account"] == mine],
    )


def test_a_save_with_open_legs_is_refused_naming_them_unless_they_exit(
    client: TestClient, runtime: Runtime
) -> None:
    import_day(runtime.settings.data_dir)
    sign_in(client, runtime, "open@x.in")
    sid = _straddle(client)
    client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 240})  # 14:00
    client.post(f"/api/simulator/sessions/{sid}/legs/1/exit")
    refused = client.post(f"/api/simulator/sessions/{sid}/journal")
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "leg 2 (NIFTY24D1924000PE)" in detail
    assert "leg 1" not in detail
    assert client.get("/api/uploads").json() == []  # nothing landed
    assert client.get(f"/api/simulator/sessions/{sid}").json()["legs"][1]["open"] is True
    bad = client.post(f"/api/simulator/sessions/{sid}/journal", json={"exit_open": "maybe"})
    assert bad.status_code == 422
    assert "exit_open" in bad.text

    # another user's session is theirs alone, exit or not
    client.post("/api/auth/logout")
    sign_in(client, runtime, "other@x.in")
    other = client.post(f"/api/simulator/sessions/{sid}/journal", json={"exit_open": True})
    assert other.status_code == 404
    client.post("/api/auth/logout")
    login = {"email": "open@x.in", "password": PASSWORD}
    assert client.post("/api/auth/password-login", json=login).status_code == 200

    saved = client.post(f"/api/simulator/sessions/{sid}/journal", json={"exit_open": True})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["trades"] == 4
    assert body["exited"] == ["NIFTY24D1924000PE exited at 14:00 IST at ₹80.10"]
    # exactly as Exit leg would have: the straddle's worked figures to the paisa
    assert (body["session"]["mtm"], body["session"]["charges"]) == ("3597.75", "120.84")
    trips, still = _sim_pnl(client, sid)
    assert still == []  # no "expired: settlement price needed"
    assert sorted(Decimal(t["pnl"]) for t in trips) == [Decimal("1638.00"), Decimal("1959.75")]
    assert all(Decimal(t["charges"]) > 0 for t in trips)


def test_on_the_expiry_day_at_the_close_open_legs_settle_at_expiry(
    client: TestClient, runtime: Runtime
) -> None:
    import_day(runtime.settings.data_dir, EXPIRY)
    sign_in(client, runtime, "expiry@x.in")
    sid = _straddle(client, "2024-12-19T10:00:00+05:30")
    client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 375})  # to 15:29
    saved = client.post(f"/api/simulator/sessions/{sid}/journal", json={"exit_open": True})
    assert saved.status_code == 200, saved.text
    # the index closes at 24003 (24000 + 374 % 7): the call settles at ₹3, the put at ₹0
    assert saved.json()["exited"] == [
        "NIFTY24D1924000CE settled at expiry at ₹3.00 (intrinsic at the index's close)",
        "NIFTY24D1924000PE settled at expiry at ₹0.00 (intrinsic at the index's close)",
    ]
    legs = saved.json()["session"]["legs"]
    assert [leg["pnl"] for leg in legs] == ["7637.50", "7166.25"]  # 65 × 117.50, 65 × 110.25
    # the two sales ₹68.51; the short call's settlement is the exchange's, no buy order:
    # ₹20 brokerage and ₹3.60 GST, no STT (its seller paid it on the premium), ₹92.11
    assert saved.json()["session"]["charges"] == "92.11"
    trips, still = _sim_pnl(client, sid)
    assert still == []
    assert len(trips) == 2


NOV_EXPIRY = date(2026, 11, 23)  # NIFTY's November 2026 monthly (Tuesday the 24th a holiday)


def _import_expiry_day(data_dir: Path) -> None:
    """NIFTY's 23 Nov 2026, its November contracts' expiry day: the index closes at
    25,012.35 (minute 374, 15:29); the 24800 call trades at ₹250 at 10:00 and ₹212.35 at
    the close, the 25300 call at ₹40 at 10:00."""
    index = dict.fromkeys(range(374), 25000.0) | {374: 25012.35}
    rows = (
        _rows("CE", NOV_EXPIRY, 24800.0, {45: 250.0, 374: 212.35})
        + _rows("CE", NOV_EXPIRY, 25300.0, {45: 40.0})
        + _rows("FUT", date(2026, 12, 29), 0.0, dict.fromkeys(range(375), 25080.0))
        + _rows("IDX", None, 0.0, index)
    )
    store = FoMinuteStore.in_data_folder(data_dir)
    path = store.path("NIFTY", NOV_EXPIRY)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=MINUTE_SCHEMA), path)


def _paper_settlement_note(runtime: Runtime, clock: ManualClock, close: str) -> Decimal:
    """What the paper exchange charges for settling one lot of NIFTY's 24800 call of
    23 Nov 2026 bought at ₹250 (its expiry job, `SessionJobs.settle_account`)."""
    set_price(runtime, "NSE:NIFTY 50", "25000")
    with runtime.db.session() as db:
        user_id = create_user(db, clock=clock, email="paper-expiry@x.in").id
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    key = "NFO:NIFTY26NOV24800CE"
    set_price(runtime, key, "250")
    spec = OrderSpec(exchange=Exchange.NFO, tradingsymbol="NIFTY26NOV24800CE",
                     transaction_type=TransactionType.BUY, quantity=LOT, product=Product.NRML,
                     order_type=OrderType.MARKET)  # fmt: skip
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)
        order = runtime.exchange.place(
            db, user_id=user_id, spec=spec, last=runtime.options.last_tick(key)
        )
        assert order.status == "COMPLETE"
    clock.set(datetime(2026, 11, 23, 15, 31, tzinfo=IST))
    with runtime.db.session() as db:
        settled = runtime.session_jobs.settle_account(
            db, user_id, close_of=lambda contract: Decimal(close)
        )
        assert settled == 1
        note = db.scalars(
            select(Trade.charges).where(Trade.user_id == user_id, Trade.transaction_type == "SELL")
        ).one()
    return Decimal(note)


def test_a_long_call_settled_in_the_money_is_charged_as_the_paper_exchange_settles_it(
    client: TestClient, runtime: Runtime, clock: ManualClock
) -> None:
    """Buy one lot each of the 24800 and 25300 calls at 10:00 on their expiry day, 23 Nov
    2026 (₹250, ₹40), and hold them to 15:29: the index closes at 25,012.35. Zerodha's
    schedule from 1 Apr 2026, with a lot of 65.

    The entries are two orders: turnover 16,250 + 2,600 = ₹18,850; brokerage 2 × ₹20 = ₹40;
    no STT on a buy; NSE transaction 0.03503 % = ₹6.603155; IPFT 0.0005 % = ₹0.09425; SEBI
    ₹10/crore = ₹0.01885; stamp 0.003 % = ₹0.5655; GST 18 % of (40 + 6.603155 + 0.09425 +
    0.01885) = ₹8.4089259. Total ₹55.6897209 → ₹55.69.

    The 24800 call settles at its intrinsic value 25,012.35 − 24,800 = ₹212.35, 65 × 212.35
    = ₹13,802.75, as the exchange's settlement, not a sale: exercise STT 0.15 % of the
    intrinsic value = ₹20.704125 → ₹21; brokerage ₹20; GST 18 % = ₹3.60; no transaction
    charge, SEBI fee or stamp: ₹44.60, what the paper exchange charges the same settlement.
    (Charged as a sale, as before, it cost ₹106.09 with the entries: a sell order's
    transaction charge, SEBI fee and their GST.) The 25300 call expires worthless: ₹0, no
    charges. Charges ₹55.69 + ₹44.60 = ₹100.29. MTM 65 × (212.35 − 250) = −₹2,447.25 and
    65 × (0 − 40) = −₹2,600.00, −₹5,047.25; net −₹5,147.54."""
    paper_note = _paper_settlement_note(runtime, clock, "25012.35")
    assert paper_note == Decimal("44.60")

    _import_expiry_day(runtime.settings.data_dir)
    sign_in(client, runtime, "itm@x.in")
    at = "2026-11-23T10:00:00+05:30"
    made = client.post("/api/simulator/sessions", json={"underlying": "NIFTY", "at": at})
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    for strike in ("24800", "25300"):
        leg = {"strike": strike, "option_type": "CE", "transaction_type": "BUY", "lots": 1,
               "expiry": NOV_EXPIRY.isoformat()}  # fmt: skip
        added = client.post(f"/api/simulator/sessions/{sid}/legs", json=leg)
        assert added.status_code == 200, added.text
    assert added.json()["charges"] == "55.69"
    client.post(f"/api/simulator/sessions/{sid}/step", json={"minutes": 375})  # to 15:29
    saved = client.post(f"/api/simulator/sessions/{sid}/journal", json={"exit_open": True})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert [line.partition(" ")[2] for line in body["exited"]] == [
        "settled at expiry at ₹212.35 (intrinsic at the index's close)",
        "settled at expiry at ₹0.00 (intrinsic at the index's close)",
    ]
    session = body["session"]
    assert [leg["pnl"] for leg in session["legs"]] == ["-2447.25", "-2600.00"]
    assert (session["mtm"], session["charges"], session["net"]) == (
        "-5047.25", "100.29", "-5147.54"
    )  # fmt: skip
    # the settlement's note is the paper exchange's, to the paisa
    frames = client.get(f"/api/simulator/sessions/{sid}/frames", params={"start": 373, "count": 2})
    before, after = (Decimal(f["charges"]) for f in frames.json())
    assert (before, after - before) == (Decimal("55.69"), paper_note)
    # the journal reads the same figures: the settlement's row carries the exchange's note
    trips, still = _sim_pnl(client, sid)
    assert still == []
    assert sorted(Decimal(t["charges"]) for t in trips) == [Decimal("24.77"), Decimal("75.52")]
    assert sum(Decimal(t["charges"]) for t in trips) == Decimal(session["charges"])
    assert sum(Decimal(t["net"]) for t in trips) == Decimal(session["net"])
