"""A worker run against a replay of a past period: the SDK's example worker unchanged over
an imported day of minutes, its report, and replays isolated from each other and from paper.

Replays here run at ``max`` speed: their clock moves one minute per request of their token,
so no test waits on time (the wall clock is the suite's `ManualClock`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.fo_bhavcopy_files import chain, write_udiff
from tests.sdk.conftest import connect
from tests.sdk.test_examples import run
from tests.workers_kit import set_price
from tradertape.candles import CandleSource
from tradertape.candles.bars import Bars
from tradertape.candles.fo_bhavcopy import files_in
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_minutes import MinuteContract
from tradertape.db.models import Order, Trade, WorkerReplay
from tradertape.domain.market import Interval
from tradertape.domain.replay import open_of
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick
from tradertape_worker import KiteAlgoWorkerClient, ensure_run, equity_market_order, limit_order

DAY = date(2026, 11, 2)  # a Monday
OTHER_DAY = date(2026, 11, 3)


def import_minutes(runtime: Runtime, key: str, day: date, first: str, step: str) -> None:
    """A session of minutes opening at `first`, each minute's open `step` above the last."""
    n = 375
    opens = np.round(float(first) + float(step) * np.arange(n), 2)
    closes = np.round(opens + float(step), 2)
    start = np.datetime64(open_of(day).replace(tzinfo=None), "s")
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=start + np.arange(n).astype("timedelta64[m]"),
        open=opens,
        high=np.maximum(opens, closes),
        low=np.minimum(opens, closes),
        close=closes,
        volume=np.full(n, 10_000.0),
    )
    runtime.candles.write(key, Interval.MINUTE, bars, source=CandleSource.IMPORT)


def start_replay(client: TestClient, day: date, run_id: str, speed: str = "max") -> dict[str, Any]:
    body = {
        "template_id": "basic-equity",
        "strategy_run_id": run_id,
        "replay": {"from": day.isoformat(), "to": day.isoformat(), "speed": speed},
    }
    response = client.post("/api/algo-workers/replays", json=body)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    assert started["token"].startswith("kwa_rp_")
    return started


def minute_of(at: str, day: date) -> int:
    """Minutes since the session of `day` opened."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return int((moment - open_of(day)).total_seconds() // 60)


def test_the_example_worker_runs_unchanged_over_a_day_of_minutes(
    client: TestClient, runtime: Runtime, sdk: KiteAlgoWorkerClient
):
    import_minutes(runtime, "NSE:INFY", DAY, "1500.00", "0.10")
    started = start_replay(client, DAY, "run_basic_equity_001")
    with connect(client, started["token"]) as worker:
        result = run("basic_equity_worker", worker)
        assert result["order"] == "accepted"
        assert result["order_result"] == "filled"
        assert result["exit"] == "success"
        # The API's clock is the replay's: the quote and the order are stamped on its day.
        quote = worker.get_quotes(["NSE:INFY"])["quotes"][0]
        assert quote["received_at"].startswith(DAY.isoformat())
        orders = worker.list_orders("run_basic_equity_001")["orders"]
        assert all(o["order_timestamp"].startswith(DAY.isoformat()) for o in orders)
        # Its candles end at its clock: nothing of the day's later minutes shows.
        candles = worker.get_candles("NSE:INFY", "minute", 500)
        clock = datetime.fromisoformat(quote["received_at"].replace("Z", "+00:00"))
        starts = [datetime.fromisoformat(c["ts"]) for c in candles["candles"]]
        assert starts
        assert max(starts) < clock
        assert max(starts).date() == DAY
    answer = client.get(f"/api/algo-workers/replays/{started['id']}").json()
    assert answer["status"] == "finished"  # the run closed: the replay's report is out
    report = answer["report"]
    summary = report["summary"]
    [trade] = report["trades"]
    assert (trade["symbol"], trade["side"], trade["quantity"]) == ("NSE:INFY", "LONG", 1)
    # Each fill at the open of the minute it was placed in (the price never looks ahead):
    # 1500.00 + 0.10 a minute.
    entry_minute = minute_of(trade["entry_at"], DAY)
    exit_minute = minute_of(trade["exit_at"], DAY)
    assert 0 < entry_minute < exit_minute < 30
    assert Decimal(trade["entry_price"]) == Decimal("1500.00") + Decimal("0.10") * entry_minute
    assert Decimal(trade["exit_price"]) == Decimal("1500.00") + Decimal("0.10") * exit_minute
    gross = Decimal(trade["exit_price"]) - Decimal(trade["entry_price"])
    charges = Decimal(trade["charges"])
    assert charges > 0
    assert Decimal(trade["pnl"]) == gross - charges
    # The same figures as a backtest result, from the same books.
    fills = runtime_trades(runtime, started["id"])
    assert Decimal(summary["total_charges"]) == sum(t.charges for t in fills) == charges
    assert summary["total_trades"] == 1
    assert summary["open_trades"] == 0
    assert Decimal(summary["net_pnl"]) == Decimal(trade["pnl"])
    assert Decimal(summary["final_equity"]) == Decimal(summary["starting_capital"]) + Decimal(
        trade["pnl"]
    )
    assert summary["data_source"] == "import"
    assert summary["synthetic"] is False
    assert summary["win_rate"] == (100.0 if Decimal(trade["pnl"]) > 0 else 0.0)
    assert report["equity"][-1]["equity"] == summary["final_equity"]


def runtime_trades(runtime: Runtime, replay_id: int) -> list[Trade]:
    with runtime.db.session() as db:
        row = db.get(WorkerReplay, replay_id)
        assert row is not None
        return list(db.scalars(select(Trade).where(Trade.user_id == row.replay_user_id)))


def test_two_replays_and_a_paper_run_never_touch_each_other(
    client: TestClient, runtime: Runtime, sdk: KiteAlgoWorkerClient
):
    import_minutes(runtime, "NSE:INFY", DAY, "1000.00", "0.05")
    import_minutes(runtime, "NSE:INFY", OTHER_DAY, "2000.00", "-0.05")
    set_price(runtime, "NSE:INFY", "1500")
    live_before = runtime.quotes("NSE:INFY")
    first = start_replay(client, DAY, "run_a")
    second = start_replay(client, OTHER_DAY, "run_b")
    answers = {}
    with connect(client, first["token"]) as a, connect(client, second["token"]) as b:
        for name, worker in (("a", a), ("b", b), ("paper", sdk)):
            answers[name] = run("basic_equity_worker", worker, KITE_ALGO_RUN_ID=f"run_{name}")
            answers[name + "_quote"] = worker.get_quotes(["NSE:INFY"])["quotes"][0]
    # Each sees its own prices and clock; the paper run the market's.
    assert answers["a_quote"]["received_at"].startswith(DAY.isoformat())
    assert answers["b_quote"]["received_at"].startswith(OTHER_DAY.isoformat())
    assert 1000 <= answers["a_quote"]["last_price"] < 1001
    assert 1999 < answers["b_quote"]["last_price"] <= 2000
    assert answers["paper_quote"]["last_price"] == 1500
    assert runtime.quotes("NSE:INFY") is live_before  # the shared book never moved
    assert runtime.market_clock.now() == runtime.clock.now()
    # Each book holds its own fills only.
    with runtime.db.session() as db:
        replays = {r.run_key: r for r in db.scalars(select(WorkerReplay))}
        by_user = {
            key: list(db.scalars(select(Trade).where(Trade.user_id == r.replay_user_id)))
            for key, r in replays.items()
        }
        owner_trades = list(
            db.scalars(
                select(Trade).where(
                    Trade.user_id.not_in([r.replay_user_id for r in replays.values()])
                )
            )
        )
    assert {t.price for t in owner_trades} == {Decimal("1500")}
    assert len(by_user["run_a"]) == 2
    assert all(1000 <= t.price < 1002 for t in by_user["run_a"])
    assert len(by_user["run_b"]) == 2
    assert all(1998 < t.price <= 2000 for t in by_user["run_b"])
    assert all(t.filled_at.date() == DAY for t in by_user["run_a"])
    assert all(t.filled_at.astimezone(UTC).date() == OTHER_DAY for t in by_user["run_b"])


def test_a_replay_block_is_checked_and_a_replay_is_its_owners(client: TestClient, secret: str):
    bad = {"template_id": "t", "replay": {"from": "2026-11-03", "to": "2026-11-02"}}
    response = client.post("/api/algo-workers/replays", json=bad)
    assert response.status_code == 422
    assert "replay.to" in response.text
    speed = {"template_id": "t", "replay": {"from": "2026-11-02", "to": "2026-11-02", "speed": "7"}}
    assert "replay.speed" in client.post("/api/algo-workers/replays", json=speed).text
    today = {"template_id": "t", "replay": {"from": "2026-11-20", "to": "2026-11-20"}}
    assert "past period" in client.post("/api/algo-workers/replays", json=today).text
    # The worker API's start-a-run request takes the same block, and answers the replay's
    # token, with which the worker reads its replay (on the replay's clock).
    body = {
        "template_id": "t",
        "account_scope": "kite:paper",
        "strategy_run_id": "run_r",
        "replay": {"from": "2026-11-02", "to": "2026-11-02", "resolution": "day"},
    }
    worker = TestClient(client.app)
    auth = {"Authorization": f"Bearer {secret}"}
    created = worker.post("/api/algo-workers/worker/runs", json=body, headers=auth)
    assert created.status_code == 201, created.text
    replay = created.json()["replay"]
    assert created.json()["strategy_run_id"] == "run_r"
    assert replay["resolution"] == "day"
    assert replay["speed"] == "max"
    mine = worker.get(
        "/api/algo-workers/worker/replay",
        headers={"Authorization": f"Bearer {replay['token']}"},
    ).json()
    assert mine["id"] == replay["id"]
    assert mine["clock"].startswith("2026-11-02")
    assert worker.get("/api/algo-workers/worker/replay", headers=auth).status_code == 404
    assert client.get("/api/algo-workers/replays/999999").status_code == 404


def test_at_60x_the_replay_follows_the_wall_clock_and_matches_its_own_resting_orders(
    client: TestClient, runtime: Runtime, clock: ManualClock, sdk: KiteAlgoWorkerClient
):
    import_minutes(runtime, "NSE:INFY", DAY, "1500.00", "0.10")
    started = start_replay(client, DAY, "run_limit", speed="60")
    with connect(client, started["token"]) as worker:
        open_run(worker, "run_limit")
        # 09:15: a buy fills at the minute's open (1500.00); a sell limit at 1502.00 rests.
        buy = limit_order("NSE", "INFY", "BUY", "CNC", 1, 1500.0)
        worker.place_order("run_limit", buy, idempotency_key="run_limit:buy")
        sell = limit_order("NSE", "INFY", "SELL", "CNC", 1, 1502.0)
        worker.place_order("run_limit", sell, idempotency_key="run_limit:sell")
        # The market's tick through the limit fills nothing of a replay's account.
        with runtime.db.session() as db:
            tick = make_tick("NSE:INFY", "1510", ts=clock.now())
            assert runtime.exchange.on_tick(db, tick, traded_volume=10_000) == []
        assert status_of(worker, "SELL") == "OPEN"
        # One wall minute at 60×: an hour of the session; 1502.00 was the open at 09:35.
        clock.advance(timedelta(minutes=1))
        quote = worker.get_quotes(["NSE:INFY"])["quotes"][0]
        assert quote["received_at"].startswith(f"{DAY.isoformat()}T04:45")  # 10:15 IST
        assert status_of(worker, "SELL") == "COMPLETE"
    with runtime.db.session() as db:
        row = db.scalar(select(WorkerReplay).where(WorkerReplay.run_key == "run_limit"))
        assert row is not None
        fills = db.scalars(select(Trade).where(Trade.user_id == row.replay_user_id)).all()
        sold = next(t for t in fills if t.transaction_type == "SELL")
    assert sold.price == Decimal("1502.00")
    assert sold.filled_at == open_of(DAY) + timedelta(minutes=20)  # matched on its own bar


def open_run(worker: KiteAlgoWorkerClient, run_id: str) -> None:
    """The replay's run, recovered as a paper worker's start does."""
    ensure_run(
        worker,
        strategy_run_id=run_id,
        template_id="basic-equity",
        account_scope="kite:paper",
        execution_mode="paper",
    )


def status_of(worker: KiteAlgoWorkerClient, side: str) -> str:
    orders = worker.list_orders("run_limit")["orders"]
    return str(next(o["status"] for o in orders if o["transaction_type"] == side))


def test_the_mis_square_off_and_the_days_expiry_run_on_the_replays_own_clock(
    client: TestClient, runtime: Runtime, clock: ManualClock, sdk: KiteAlgoWorkerClient
):
    """At 60× a wall second is a session minute: the suite's clock is moved, nothing sleeps."""
    import_minutes(runtime, "NSE:INFY", DAY, "1500.00", "0.10")
    import_minutes(runtime, "NSE:INFY", OTHER_DAY, "1300.00", "0.10")  # through the limits
    body = {
        "template_id": "basic-equity",
        "strategy_run_id": "run_eod",
        "replay": {"from": DAY.isoformat(), "to": OTHER_DAY.isoformat(), "speed": "60"},
    }
    started = client.post("/api/algo-workers/replays", json=body).json()
    ist = timedelta(hours=5, minutes=30)
    with connect(client, started["token"]) as worker:
        open_run(worker, "run_eod")
        # 09:15: an MIS buy fills; an MIS and a CNC (DAY) buy limit rest below the market.
        buy = equity_market_order("INFY", "BUY", 2, product="MIS")
        worker.place_order("run_eod", buy, idempotency_key="run_eod:mis")
        for product in ("MIS", "CNC"):
            rest = limit_order("NSE", "INFY", "BUY", product, 1, 1400.0)
            worker.place_order("run_eod", rest, idempotency_key=f"run_eod:{product}")
        clock.advance(timedelta(seconds=364))  # 15:19
        worker.get_quotes(["NSE:INFY"])
        assert replay_orders(runtime, "run_eod")[1:] == [("MIS", "OPEN"), ("CNC", "OPEN")]
        assert [t.product for t in runtime_trades(runtime, started["id"])] == ["MIS"]
        clock.advance(timedelta(seconds=2))  # 15:21: the square-off (15:20) has played
        worker.get_quotes(["NSE:INFY"])
        orders = replay_orders(runtime, "run_eod")
        assert orders[1:3] == [("MIS", "CANCELLED"), ("CNC", "OPEN")]
        fills = runtime_trades(runtime, started["id"])
        closed = next(t for t in fills if t.transaction_type == "SELL")
        assert (closed.product, closed.quantity) == ("MIS", 2)
        assert closed.filled_at == open_of(DAY) + timedelta(minutes=365)  # 15:20 IST
        assert closed.price == Decimal("1500.00") + Decimal("0.10") * 365  # that bar's open
        # The next session opens through the CNC limit: the DAY order lapsed at the close
        # and is not matched there.
        clock.advance(timedelta(seconds=30))
        quote = worker.get_quotes(["NSE:INFY"])["quotes"][0]
        assert quote["received_at"].startswith(OTHER_DAY.isoformat())
        assert replay_orders(runtime, "run_eod")[2] == ("CNC", "CANCELLED")
        assert len(runtime_trades(runtime, started["id"])) == 2
    with runtime.db.session() as db:
        row = db.scalar(select(WorkerReplay).where(WorkerReplay.run_key == "run_eod"))
        assert row is not None
        cnc = db.scalar(
            select(Order).where(Order.user_id == row.replay_user_id, Order.product == "CNC")
        )
        assert cnc is not None
        assert cnc.status_message == "Order cancelled at the end of the trading day."
        assert (cnc.updated_at.replace(tzinfo=UTC) + ist).time() == time(15, 30)
    # The market's own jobs, on the suite's clock, leave the replay's account alone.
    assert runtime.market_clock.now() == runtime.clock.now()


def replay_orders(runtime: Runtime, run_key: str) -> list[tuple[str, str]]:
    """The replay account's orders (product, status), oldest first."""
    with runtime.db.session() as db:
        row = db.scalar(select(WorkerReplay).where(WorkerReplay.run_key == run_key))
        assert row is not None
        orders = db.scalars(
            select(Order).where(Order.user_id == row.replay_user_id).order_by(Order.id)
        )
        return [(o.product, o.status) for o in orders]


def write_fo_minutes(
    runtime: Runtime, contract: MinuteContract, first: float, step: float, day: date = DAY
) -> None:
    """A session of `day`'s minutes of an F&O contract (or an index) in the F&O minute store."""
    store = runtime.replays.fo
    assert store is not None
    start = np.datetime64(open_of(day).replace(tzinfo=None), "s")
    opens = np.round(first + step * np.arange(375), 2)
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=start + np.arange(375).astype("timedelta64[m]"),
        open=opens,
        high=opens + abs(step),
        low=opens,
        close=np.round(opens + step, 2),
        volume=np.full(375, 50_000.0),
    )
    store.write(contract, bars)


def test_an_option_trades_in_a_replay_at_its_imported_minutes_else_the_model(
    client: TestClient, runtime: Runtime, sdk: KiteAlgoWorkerClient
):
    expiry = date(2026, 11, 3)  # NIFTY's weekly expiry after DAY
    write_fo_minutes(runtime, MinuteContract("NIFTY", "IDX"), 24_000.0, 1.0)
    write_fo_minutes(runtime, MinuteContract("NIFTY", "CE", expiry, 24_000.0), 120.0, 0.05)
    started = start_replay(client, DAY, "run_opt")
    call, put = "NFO:NIFTY26N0324000CE", "NFO:NIFTY26N0324000PE"
    with connect(client, started["token"]) as worker:
        open_run(worker, "run_opt")
        quotes = {q["symbol"]: q for q in worker.get_quotes([call, put])["quotes"]}
        assert quotes[call]["received_at"].startswith(DAY.isoformat())
        # The imported call: its minute's open, never ahead of the replay's clock.
        minute = minute_of(quotes[call]["received_at"], DAY)
        assert (
            Decimal(str(quotes[call]["last_price"])) == Decimal("120.00") + Decimal("0.05") * minute
        )
        # The put has no minutes: the model prices it from the replay's index (24,000 + a
        # minute), a positive premium of an at-the-money put.
        assert 0 < quotes[put]["last_price"] < 1_000
        buy = equity_market_order("NIFTY26N0324000CE", "BUY", 65, product="NRML", exchange="NFO")
        placed = worker.place_order("run_opt", buy, idempotency_key="run_opt:buy")
        assert placed["status"] in ("accepted", "filled"), placed
    [fill] = runtime_trades(runtime, started["id"])
    assert (fill.exchange, fill.tradingsymbol, fill.quantity) == ("NFO", "NIFTY26N0324000CE", 65)
    assert fill.filled_at.date() == DAY
    placed_minute = int((fill.filled_at.replace(tzinfo=UTC) - open_of(DAY)).total_seconds() // 60)
    assert fill.price == Decimal("120.00") + Decimal("0.05") * placed_minute


@pytest.mark.parametrize(
    ("bhavcopy_close", "price", "charges"),
    [
        # The index's close at 15:30: its 15:29 minute closes at 24,100 + 375 = 24,475; the
        # 24000 CE's intrinsic value 475.00 × 65 = ₹30,875.00. Exercise STT 0.15 % =
        # 46.3125 → ₹46, brokerage ₹20, GST ₹3.60: ₹69.60.
        (None, "475.00", "69.60"),
        # The expiry day's bhavcopy imported: its underlying close, 24,300.50, wins; 300.50
        # × 65 = ₹19,532.50, STT 29.29875 → ₹29, + ₹23.60: ₹52.60.
        (24_300.50, "300.50", "52.60"),
    ],
)
def test_an_option_held_through_its_expiry_settles_at_the_close_on_the_replays_clock(
    client: TestClient,
    runtime: Runtime,
    clock: ManualClock,
    sdk: KiteAlgoWorkerClient,
    tmp_path: Path,
    bhavcopy_close: float | None,
    price: str,
    charges: str,
):
    """NIFTY's weekly of 3-Nov-2026 bought on the 2nd and held: at 15:30 of the 3rd, on the
    replay's clock, the paper exchange's settlement closes it at its intrinsic value, with
    the paper exchange's charges (`test_paper_expiry`), and the report has it closed."""
    expiry = OTHER_DAY
    if bhavcopy_close is not None:
        rows = chain(expiry, "NIFTY", bhavcopy_close, expiries=[expiry], lot_size=65)
        assert runtime.replays.bhavcopy is not None
        import_fo_bhavcopies(
            runtime.replays.bhavcopy, files_in([write_udiff(tmp_path, expiry, rows)])
        )
    call = MinuteContract("NIFTY", "CE", expiry, 24_000.0)
    write_fo_minutes(runtime, MinuteContract("NIFTY", "IDX"), 24_000.0, 1.0)
    write_fo_minutes(runtime, MinuteContract("NIFTY", "IDX"), 24_100.0, 1.0, day=expiry)
    write_fo_minutes(runtime, call, 120.0, 0.05)
    write_fo_minutes(runtime, call, 150.0, 0.5, day=expiry)
    body = {
        "template_id": "basic-equity",
        "strategy_run_id": "run_exp",
        "replay": {"from": DAY.isoformat(), "to": expiry.isoformat(), "speed": "60"},
    }
    started = client.post("/api/algo-workers/replays", json=body).json()
    with connect(client, started["token"]) as worker:
        open_run(worker, "run_exp")
        buy = equity_market_order("NIFTY26N0324000CE", "BUY", 65, product="NRML", exchange="NFO")
        worker.place_order("run_exp", buy, idempotency_key="run_exp:buy")
        clock.advance(timedelta(seconds=375 + 374))  # the expiry day's 15:29: still held
        worker.get_quotes(["NSE:NIFTY 50"])
        assert len(runtime_trades(runtime, started["id"])) == 1
        clock.advance(timedelta(seconds=2))  # past the close: the replay has played out
        worker.get_quotes(["NSE:NIFTY 50"])
    bought, settled = sorted(runtime_trades(runtime, started["id"]), key=lambda t: t.id)
    assert (settled.transaction_type, settled.quantity) == ("SELL", 65)
    assert (settled.price, settled.charges) == (Decimal(price), Decimal(charges))
    assert settled.filled_at.replace(tzinfo=UTC) == open_of(expiry) + timedelta(minutes=375)
    with runtime.db.session() as db:
        order = db.get(Order, settled.order_pk)
        assert order is not None
        assert (order.source, order.status) == ("expiry", "COMPLETE")
    report = client.get(f"/api/algo-workers/replays/{started['id']}").json()["report"]
    assert report["summary"]["open_trades"] == 0
    [trade] = report["trades"]
    assert (trade["symbol"], trade["quantity"]) == ("NFO:NIFTY26N0324000CE", 65)
    assert Decimal(trade["exit_price"]) == Decimal(price)
    gross = (Decimal(price) - bought.price) * 65
    assert Decimal(trade["pnl"]) == gross - bought.charges - Decimal(charges)
