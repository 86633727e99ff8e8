"""Realistic requests for the fuzzer: what a user of the demo would send, so that every
operation reaches a 2xx (random strings do not name a real symbol or a price on the tick).

`requests(label, context)` gives an operation's requests as `Case` fields (`path_parameters`,
`query`, `body`); `path_parameters` the values of parameters that are names, not ids.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select, update

from tests.brokers.kite.conftest import Fake
from tests.fo_bhavcopy_files import chain, udiff_text
from tests.fuzz_kit import WORKER_PREFIX, Actor, Ids
from tests.helpers import PASSWORD, make_user, otp_and_token
from tests.integration.groww.conftest import API_KEY as GROWW_KEY
from tests.integration.groww.conftest import TOTP as GROWW_TOTP
from tests.statement_files import (
    CAS_PASSWORD,
    Fill,
    cams_summary_pdf,
    zerodha_csv,
    zerodha_ledger_csv,
)
from tests.workers_kit import PROTECTED_POSITION as STOP
from tests.workers_kit import order, set_price
from tradertape.db.models import Alert, TelegramLinkRequest, WalkForwardRun
from tradertape.domain.worker_access import DEFAULT_ACTIONS
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.alerts import firing
from tradertape.services.alerts.placing import Placer
from tradertape.services.assistant import confirmations
from tradertape.services.brokers.live_trading import kite_postback_checksum
from tradertape.services.notifications import chats as telegram_links
from tradertape_brokers.kite import checksum

PARAM = re.compile(r"\{([^}]+)\}")
PRICES = {"NSE:INFY": "1500", "NSE:RELIANCE": "1400", "NSE:TCS": "3200", "NSE:NIFTY 50": "24000"}


@dataclass
class Context:
    """Who sends, the server's runtime, and the ids their 2xx answers carried."""

    actor: Actor
    runtime: Runtime
    ids: Ids
    http: httpx.Client
    fake: Fake | None = None  # the fake Kite the live user trades at

    def call(self, method: str, path: str, **request: Any) -> Any:
        """A step a request needs first (an object to act on): it must succeed."""
        self.http.cookies.clear()
        headers = self.actor.headers(path)
        answer = self.http.request(method, self.actor.base + path, headers=headers, **request)
        assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text}"
        body = answer.json() if answer.content else None
        self.ids.learn(path, body)  # later requests, generated ones too, act on it
        return body


def prepare(runtime: Runtime) -> None:
    """Prices for the symbols the requests name."""
    for key, price in PRICES.items():
        set_price(runtime, key, price)


def enlist_worker(http: httpx.Client, actor: Actor) -> None:
    """A worker token for `actor` and an open paper run on it."""
    http.cookies.clear()
    issued = http.post(
        f"{actor.base}/api/algo-workers/tokens",
        json={
            "name": "fuzz",
            "account_scope": "kite:paper",
            "allowed_modes": ["dry_run", "paper"],
            "allowed_actions": [*DEFAULT_ACTIONS, "runs:progress"],
        },
        headers=actor.headers("/api"),
    )
    assert issued.status_code == 201, issued.text
    actor.bearer = issued.json()["token"]
    actor.run_id = f"run_{actor.email.split('@')[0]}"
    actor.nonce = ""
    run = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "execution_mode": "paper",
        "strategy_run_id": actor.run_id,
    }
    created = http.post(
        f"{actor.base}{WORKER_PREFIX}/runs", json=run, headers=actor.headers(WORKER_PREFIX)
    )
    assert created.status_code in (200, 201), created.text


def furnish(http: httpx.Client, actor: Actor, runtime: Runtime) -> None:
    """Money to trade with, and a limit on an order's value: an absurd order is refused by
    the risk gate, and its refusal is then read back in the risk events."""
    context = Context(actor=actor, runtime=runtime, ids=Ids(), http=http)
    context.call("POST", "/api/portfolio/funds", json={"amount": 1000000})
    rule = {**RULE, "action": "block"}
    context.call("POST", "/api/risk/rules", json=rule)


KITE_USER = "FK1234"  # the fake Kite's user id: a live token's scope names it
LIVE_SCOPE = f"kite:{KITE_USER}"
# Operations only a user connected to Kite, trading live, reaches a 2xx on.
LIVE = frozenset(
    {
        f"POST {WORKER_PREFIX}/gtt/triggers",
        f"GET {WORKER_PREFIX}/gtt/triggers",
        f"GET {WORKER_PREFIX}/gtt/triggers/{{trigger_id}}",
        f"PUT {WORKER_PREFIX}/gtt/triggers/{{trigger_id}}",
        f"DELETE {WORKER_PREFIX}/gtt/triggers/{{trigger_id}}",
        "GET /api/brokers/{broker}/reconciliation",
        "POST /api/brokers/{broker}/reconciliation",
        "POST /api/brokers/kite/session",
        "POST /api/brokers/kite/postback",
        "POST /api/agent/access-token",
        # placed at the user's broker once confirmed: both live switches and a session
        "POST /api/assistant/confirmations/{confirmation_id}/confirm",
    }
)


def go_live(http: httpx.Client, actor: Actor, runtime: Runtime, fake: Fake) -> None:
    """`actor` connected to the fake Kite with live trading on, a live worker token and run."""
    make_user(runtime, actor.email, class0=True)  # may keep a Kite secret on the server
    actor.sign_in(runtime)
    context = Context(actor=actor, runtime=runtime, ids=Ids(), http=http, fake=fake)
    body = {"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET}
    context.call("POST", "/api/brokers/kite/credentials", json=body)
    page = fake.http.get(context.call("GET", "/api/brokers/kite/credentials")["login_url"])
    back = urlsplit(page.headers["location"])
    http.cookies.clear()
    done = http.get(f"{actor.base}{back.path}?{back.query}", headers=actor.headers("/api"))
    assert "login=ok" in done.headers["location"], done.headers["location"]
    context.call("PUT", "/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
    grants = {"account_scope": LIVE_SCOPE, "allowed_modes": ["live", "dry_run"]}
    actor.bearer = context.call(
        "POST", "/api/algo-workers/tokens", json={"name": "live", **grants}
    )["token"]
    actor.run_id = "run_live"
    run = {
        "template_id": "basic-equity",
        "account_scope": LIVE_SCOPE,
        "execution_mode": "live",
        "strategy_run_id": actor.run_id,
        "metadata": {"strategy_family": "indicator_strategy", "strategy_name": "Live fuzz"},
    }
    context.call("POST", f"{WORKER_PREFIX}/runs", json=run)
    fake.price("NSE:INFY", 1480)


def path_parameters(template: str, context: Context) -> dict[str, Any]:
    """Parameters that name something shared (a broker, a symbol), or the worker's run."""
    fixed: dict[str, Any] = {}
    names = PARAM.findall(template)
    for name in names:
        if name in NAMED:
            fixed[name] = NAMED[name]
    if template.startswith(f"{WORKER_PREFIX}/runs/{{run_id}}"):
        fixed["run_id"] = context.actor.run_id
    return fixed


NAMED: dict[str, Any] = {
    "broker": "kite",
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "name": "nifty_50",
    "underlying": "NIFTY",
    "source_list": "nifty_50",
    "index": 0,  # a sweep's first variant
}

Seed = Callable[[Context], list[dict[str, Any]]]
W = WORKER_PREFIX
LIMIT_BUY = {**order(quantity=5), "order_type": "LIMIT", "price": 1400}  # rests below 1500
SCAN_DAY = "2025-06-02"  # on the synthetic candles


def _gtt(trigger: float = 1450, price: float = 1455) -> dict[str, Any]:
    leg = {"transaction_type": "BUY", "quantity": 5, "order_type": "LIMIT", "product": "CNC"}
    return {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [trigger],
            "last_price": 1500,
        },
        "orders": [{**leg, "price": price}],
    }


def _template(c: Context) -> int:
    templates = c.call("GET", "/api/strategies", params={"is_template": True})
    return int(next(s["id"] for s in templates if s["base_model"] == "v1_momentum"))


def _own_strategy(c: Context) -> int:
    return int(c.call("POST", "/api/strategies", json=SMA_CROSS)["id"])


def _funded_deploy(c: Context) -> dict[str, Any]:
    """A deploy's body, its capital first added to the account it is allocated from."""
    c.call("POST", "/api/portfolio/funds", json={"amount": DEPLOY["starting_capital"]})
    return {**DEPLOY, "strategy_id": _template(c)}


def _portfolio(c: Context) -> int:
    body = _funded_deploy(c)
    return int(c.call("POST", "/api/model/portfolios/deploy", json=body)["id"])


def _signal(c: Context) -> int:
    portfolio = _portfolio(c)
    c.call("POST", "/api/model/scan", json={"portfolio_id": portfolio, "date": SCAN_DAY})
    pending = c.call(
        "GET",
        "/api/model/signals",
        params={"portfolio_id": portfolio, "status": "pending_approval"},
    )
    return int(pending[0]["id"])


def _resting_order(c: Context) -> str:
    return str(c.call("POST", "/api/orders", json=LIMIT_BUY)["order_id"])


def _sliced_order(c: Context) -> str:
    """A resting paper buy of a NIFTY call one lot past its freeze quantity (two slices):
    its first child's id."""
    chain = c.call("GET", "/api/options/underlyings/NIFTY/chain")
    call = next(row["call"] for row in chain["rows"] if row["call"])
    lot = int(chain["lot_size"])
    detail = c.call("GET", f"/api/instruments/NFO/{call['tradingsymbol']}")
    body = {
        "exchange": "NFO",
        "tradingsymbol": call["tradingsymbol"],
        "transaction_type": "BUY",
        "quantity": (int(detail["freeze_quantity"]) // lot + 1) * lot,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": 0.05,
        "autoslice": True,
    }
    return str(c.call("POST", "/api/orders", json=body)["order_id"])


def _worker_order(c: Context) -> str:
    body = {
        "intent_type": "place_order",
        "payload": {"order": {**LIMIT_BUY, "quantity": 1}},
        "idempotency_key": f"fuzz-key-{next(_KEYS)}",
        "metadata": {},
    }
    placed = c.call("POST", f"{W}/runs/{c.actor.run_id}/intents", json=body)
    return str(placed["result"]["order_id"])


def _run(c: Context, run_id: str) -> str:
    body = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "execution_mode": "paper",
        "strategy_run_id": run_id,
    }
    c.call("POST", f"{W}/runs", json=body)
    return run_id


def _spread(c: Context) -> list[dict[str, Any]]:
    legs = [{"option_type": "CE", "offset": 0}, {"option_type": "CE", "offset": 2}]
    resolved = c.call(
        "POST",
        f"{W}/options/underlyings/NIFTY/selection/resolve",
        json={"expiry": "next_week", "legs": legs},
    )["resolved"]
    return [
        {"tradingsymbol": resolved[0]["tradingsymbol"], "transaction_type": "BUY", "lots": 1},
        {"tradingsymbol": resolved[1]["tradingsymbol"], "transaction_type": "SELL", "lots": 1},
    ]


def _option_run(c: Context) -> str:
    run = _run(c, f"{c.actor.run_id}_opt{next(_KEYS)}")
    body = {"strategy_run_id": run, "strategy_name": "Bull call spread", "product": "NRML"}
    c.call("POST", f"{W}/options/runs", json={**body, "legs": _spread(c)})
    return run


_KEYS = itertools.count(1)


def _basket(c: Context) -> list[dict[str, Any]]:
    """The chain's structure as a paper basket: a bull call spread of next week's NIFTY."""
    return [{"body": {"legs": _spread(c)}}]


MTM_RULE = {"type": "mtm_exit", "threshold_amount": "50000", "action": "block"}


def _mtm_rule(c: Context) -> list[dict[str, Any]]:
    """An MTM-exit rule to resume (resuming one that has not tripped is answered as is)."""
    made = c.call("POST", "/api/risk/rules", json=MTM_RULE)
    return [{"path_parameters": {"rule_id": made["id"]}}]


SMA_CROSS: dict[str, Any] = {
    "name": "SMA cross",
    "base_model": "v1_momentum",
    "entry_rules": {
        "type": "crosses_above",
        "left": {"type": "indicator", "name": "sma20"},
        "right": {"type": "indicator", "name": "sma50"},
    },
    "exit_rules": [],
    "addon_rules": {"enabled": False},
    "conviction_scoring": ["trend_alignment"],
    "config": {"min_hold": 0, "max_hold": None, "atr_stop_mult": 0, "exit_buffer_pct": 0},
}
DEPLOY = {
    "universe": "nifty_50",
    "starting_capital": "1000000",
    "position_size_pct": "10",
    "max_positions": 5,
    "max_per_sector": 2,
    "paper_fill": "close",
}
RULE = {"type": "max_order_value", "threshold_amount": "10000000", "action": "warn"}


def _on_option_run(body: dict[str, Any] | None) -> Seed:
    def seed(c: Context) -> list[dict[str, Any]]:
        request: dict[str, Any] = {"path_parameters": {"run_id": _option_run(c)}}
        return [request | ({"body": body} if body is not None else {})]

    return seed


def _after(step: Callable[[Context], Any], **request: Any) -> Seed:
    """`request`, once `step` has made what it acts on."""

    def seed(c: Context) -> list[dict[str, Any]]:
        step(c)
        return [request]

    return seed


def _one(**request: Any) -> Seed:
    return lambda c: [request]


ALERT: dict[str, Any] = {
    "name": "INFY over 1500",
    "symbol": "NSE:INFY",
    "condition": {
        "type": "crosses_above",
        "left": {"type": "indicator", "name": "close"},
        "right": {"type": "literal", "value": 1500},
    },
}
HELD = {
    "order": {"transaction_type": "BUY", "quantity": 1},
    "order_action": "confirm",
    "confirm_within_mins": 1440,
}


def _held_fire(c: Context) -> list[dict[str, Any]]:
    """A fire of a new alert whose order waits for approval (fired as the loop fires it)."""
    made = c.call("POST", "/api/alerts", json={**ALERT, **HELD})
    placer = Placer(c.runtime.orders, c.runtime.quotes)
    with c.runtime.db.session() as db:
        alert = db.get(Alert, made["id"])
        assert alert is not None
        now = c.runtime.clock.now()
        fire = firing.fire(db, placer, alert, symbol="NSE:INFY", price=Decimal(1501), now=now)
    c.call("GET", "/api/alerts/fires")  # (so generated requests have fires to name)
    return [{"path_parameters": {"fire_id": fire.id}}]


def _hook_request(c: Context) -> list[dict[str, Any]]:
    """A TradingView body for a new token hook that takes requests from this machine (a
    token, not a signature: the fuzzer serialises the body its own way)."""
    made = c.call(
        "POST",
        "/api/webhooks",
        json={
            "name": "TradingView",
            "preset": "tradingview",
            "auth": "token",
            "allowed_ips": ["127.0.0.1", "::1"],
        },
    )
    body = {"ticker": "NSE:INFY", "action": "buy", "contracts": 1}
    headers = {"X-TraderTape-Token": made["secret"]}
    return [{"path_parameters": {"hook_id": made["hook_id"]}, "body": body, "headers": headers}]


# Reached by a capability in the URL, not a user's credential: another user's id is not a
# 404 there but the sender's proof refused (the hook receives from TradingView, not a user).
NOT_OWNED = frozenset({"POST /api/hooks/{hook_id}"})


BACKTEST: dict[str, Any] = {
    "universe": "nifty_50",
    "start_date": "2025-01-01",
    "end_date": "2025-03-31",
    "starting_capital": 1000000,
    "position_size_pct": 10,
    "max_positions": 5,
    "max_per_sector": 2,
    "slippage_bps": 5,
}

# a weekly NIFTY short straddle with stops and a re-entry, over a fortnight of generated chains
OPTIONS_BACKTEST: dict[str, Any] = {
    "strategy": {
        "name": "weekly short straddle",
        "underlying": "NIFTY",
        "resolution": "daily",
        "hold": "expiry",
        "legs": [
            {
                "option_type": kind,
                "side": "sell",
                "stop_loss": {"unit": "pct", "value": 30},
                "reentry": {"times": 1},
            }
            for kind in ("CE", "PE")
        ],
    },
    "start_date": "2025-03-03",
    "end_date": "2025-03-14",
}


LIVE_GTT: dict[str, Any] = {
    "type": "single",
    "condition": {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "trigger_values": ["1487"],
        "last_price": "1480",
    },
    "orders": [
        {
            "transaction_type": "BUY",
            "quantity": 10,
            "order_type": "LIMIT",
            "product": "CNC",
            "price": "1490",
        }
    ],
}


def _backtest(c: Context) -> int:
    return int(
        c.call("POST", "/api/backtest/run", json={**BACKTEST, "strategy_id": _template(c)})["id"]
    )


def _options_run(c: Context) -> int:
    return int(c.call("POST", "/api/backtests/options", json=OPTIONS_BACKTEST)["id"])


OPTIONS_SWEEP: dict[str, Any] = {
    **OPTIONS_BACKTEST,
    "parameters": [{"parameter": "stop_loss", "values": [20, 40]}],
}


def _options_sweep(c: Context, *, ended: bool) -> int:
    """An options sweep of two cells; with ``ended``, waited for (the user's cap of sweeps
    under way counts it)."""
    assert c.runtime.research.wait_idle(120), "the sweeps under way did not end"
    sweep_id = int(c.call("POST", "/api/backtests/options/sweeps", json=OPTIONS_SWEEP)["id"])
    if ended:
        assert c.runtime.research.wait_idle(120), "the options sweep did not end"
    return sweep_id


OPTIONS_WALK_FORWARD: dict[str, Any] = {
    **OPTIONS_SWEEP,
    "in_sample_days": 5,
    "out_of_sample_days": 3,
    "pbo_blocks": 2,
}


_HELD: list[Callable[[], None]] = []  # research turns a seed holds (`_held_back`)


def release_held() -> None:
    """Give back the research turns a seed held while its operation's requests were sent
    (the fuzzer calls this after each operation)."""
    while _HELD:
        _HELD.pop()()


def _held_back(c: Context, start: Callable[[], int]) -> int:
    """``start()``'s job, kept from running until `release_held`: every research turn of
    the actor's is taken first, so the job waits queued and a Cancel finds it under way (a
    job this small once ended before the Cancel was sent, on a quick host). A job held
    back before (the same operation's seeds, asked again) goes on first."""
    release_held()
    assert c.runtime.research.wait_idle(120), "the sweeps under way did not end"
    fair = c.runtime.research.fair
    tickets = [fair.submit(c.actor.user_id, lambda _ticket: None) for _ in range(fair.per_user)]

    def release() -> None:  # those still waiting for a slot leave the queue, then the rest
        for ticket in [t for t in tickets if not fair.cancel(t)]:
            fair.done(ticket)

    _HELD.append(release)
    return start()


def _options_walk_forward(c: Context, *, ended: bool, cancelled: bool = False) -> int:
    """An options walk-forward of two cells; with ``ended``, waited for; with
    ``cancelled``, set so once ended (as its owner's Cancel leaves it: one that resumes)."""
    assert c.runtime.research.wait_idle(120), "the sweeps under way did not end"
    path = "/api/backtests/options/walk-forwards"
    run_id = int(c.call("POST", path, json=OPTIONS_WALK_FORWARD)["id"])
    if ended or cancelled:
        assert c.runtime.research.wait_idle(120), "the options walk-forward did not end"
    if cancelled:
        with c.runtime.db.session() as db:
            query = update(WalkForwardRun).where(WalkForwardRun.id == run_id)
            db.execute(query.values(status="cancelled"))
            db.commit()
    return run_id


SIM_AT = "2025-11-25T10:00:00+05:30"  # a past Tuesday: the demo's simulated market


def _sim_session(c: Context) -> int:
    """A chain simulator session with a short call entered."""
    made = c.call("POST", "/api/simulator/sessions", json={"underlying": "NIFTY", "at": SIM_AT})
    sid = int(made["id"])
    strike = round(float(made["spot"]) / 50) * 50
    leg = {"strike": str(strike), "option_type": "CE", "transaction_type": "SELL", "lots": 1}
    c.call("POST", f"/api/simulator/sessions/{sid}/legs", json=leg)
    return sid


SWEEP: dict[str, Any] = {
    **BACKTEST,
    "split_date": "2025-02-17",
    "parameters": [{"path": "config.min_hold", "values": [5, 10]}],
}


def _sweep(c: Context, *, ended: bool) -> int:
    """A sweep of the template; with ``ended``, waited for (a running one cannot be deleted).
    Those the fuzzer started end first: the user's cap of sweeps under way is 4."""
    assert c.runtime.research.wait_idle(120), "the sweeps under way did not end"
    sweep_id = int(
        c.call("POST", "/api/backtest/sweeps", json={**SWEEP, "strategy_id": _template(c)})["id"]
    )
    if ended:
        assert c.runtime.research.wait_idle(120), "the sweep did not end"
    return sweep_id


WALK_FORWARD: dict[str, Any] = {
    **BACKTEST,
    "in_sample_days": 20,
    "out_of_sample_days": 10,
    "pbo_blocks": 2,
    "parameters": [{"path": "config.min_hold", "values": [5, 10]}],
}


def _walk_forward(c: Context, *, ended: bool) -> int:
    """A walk-forward of the template; with ``ended``, waited for. Those the fuzzer started
    end first: the user's cap of sweeps under way (walk-forwards count) is 4."""
    assert c.runtime.research.wait_idle(120), "the sweeps under way did not end"
    body = {**WALK_FORWARD, "strategy_id": _template(c)}
    run_id = int(c.call("POST", "/api/backtest/walk-forwards", json=body)["id"])
    if ended:
        assert c.runtime.research.wait_idle(120), "the walk-forward did not end"
    return run_id


REPLAY_START = {
    "template_id": "fuzz-replay",
    "replay": {"from": "2026-11-02", "to": "2026-11-02", "resolution": "day", "speed": "max"},
}


def _replay(c: Context) -> int:
    """A replay of a past day, started by the actor."""
    return int(c.call("POST", "/api/algo-workers/replays", json=REPLAY_START)["id"])


def _cancelled_walk_forward(c: Context) -> int:
    """A walk-forward that ended cancelled (as its owner's Cancel leaves it): one that
    resumes. Set so once it ended: a Cancel races a run this small."""
    run_id = _walk_forward(c, ended=True)
    with c.runtime.db.session() as db:
        db.execute(
            update(WalkForwardRun).where(WalkForwardRun.id == run_id).values(status="cancelled")
        )
        db.commit()
    return run_id


MULTIPART = "multipart/form-data"
TRADEBOOK_CSV = zerodha_csv(
    [
        Fill("INFY", "2025-06-02", "buy", 5, "1500", "FZ1", "1000000000000000001"),
        Fill("INFY", "2025-06-03", "sell", 5, "1510.5", "FZ2", "1000000000000000002"),
    ]
)
FO_BHAVCOPY_CSV = udiff_text(
    date(2025, 6, 3),
    chain(date(2025, 6, 3), "NIFTY", 24000.0, expiries=[date(2025, 6, 5)], lot_size=75),
).encode()
LEDGER_CSV = zerodha_ledger_csv(
    [["Funds added", "2025-06-01", "", "Bank Receipts", "0", "100000", "100000"]]
)


def _upload(c: Context) -> int:
    answer = c.call("POST", "/api/uploads/tradebook", files=[("files[]", ("t.csv", TRADEBOOK_CSV))])
    return int(answer["files"][0]["upload"]["id"])


DRAWING = {
    "symbol": "NSE:INFY",
    "kind": "fibonacci",
    "points": [{"time": 1763337600, "price": "1480"}, {"time": 1763942400, "price": "1560.5"}],
}


def _drawing(c: Context) -> int:
    return int(c.call("POST", "/api/market/drawings", json=DRAWING)["id"])


def _position(c: Context) -> int:
    portfolio = _portfolio(c)
    c.call("POST", "/api/model/scan", json={"portfolio_id": portfolio, "date": SCAN_DAY})
    pending = c.call(
        "GET",
        "/api/model/signals",
        params={"portfolio_id": portfolio, "status": "pending_approval"},
    )
    c.call("POST", f"/api/model/signals/{pending[0]['id']}/approve")
    c.call("POST", "/api/model/cart/place")
    held = c.call(
        "GET", "/api/model/positions", params={"portfolio_id": portfolio, "status": "open"}
    )
    return int(held[0]["id"])


def _paused(c: Context) -> int:
    portfolio = _portfolio(c)
    c.call("POST", f"/api/model/portfolios/{portfolio}/pause")
    return portfolio


def _approved(c: Context) -> int:
    signal = _signal(c)
    c.call("POST", f"/api/model/signals/{signal}/approve")
    return signal


def _entered(c: Context) -> str:
    # a run spends the manual book's money (each book its own): by now the fuzzer's
    # portfolios and orders may have spent it, and a spread's sold leg needs its margin
    c.call("POST", "/api/portfolio/funds", json={"amount": 1000000})
    run = _option_run(c)
    c.call("POST", f"{W}/options/runs/{run}/enter", json={})
    return run


def _desk_run(c: Context, run_key: str | None = None) -> int:
    """The desk id of the actor's worker run (or of the run `run_key`)."""
    wanted = run_key or c.actor.run_id
    cards = c.call("GET", "/api/algo-workers/runs", params={"limit": 200})
    return int(next(card["id"] for card in cards if card["strategy_run_id"] == wanted))


def _desk(request: dict[str, Any] | None = None) -> Seed:
    """`request` on the actor's worker run, by its desk id."""
    return lambda c: [{"path_parameters": {"run_id": _desk_run(c)}, **(request or {})}]


def _desk_option(request: dict[str, Any] | None = None) -> Seed:
    """`request` on an entered option run, by its desk id."""
    return lambda c: [{"path_parameters": {"run_id": _desk_run(c, _entered(c))}, **(request or {})}]


PAYOFF = {
    "underlying": "NIFTY",
    "legs": [
        {"tradingsymbol": "NIFTY26D0124000CE", "transaction_type": "BUY", "lots": 1},
        {"tradingsymbol": "NIFTY26D0124100CE", "transaction_type": "SELL", "lots": 1},
    ],
    "spot": 24100,
    "iv_shift": 2,
    "days_to_expiry": 3,
}


def _live_gtt(c: Context) -> int:
    return int(c.call("POST", f"{W}/gtt/triggers", json=LIVE_GTT)["trigger_id"])


def _kite_login(c: Context) -> dict[str, Any]:
    assert c.fake is not None
    link = c.call("GET", "/api/brokers/kite/credentials")["login_url"]
    [extra] = parse_qs(urlsplit(link).query)["redirect_params"]
    token = c.fake.request_token()
    return {
        "request_token": token,
        "checksum": checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET),
        "state": parse_qs(extra)["state"][0],
    }


def _upstox_login(c: Context) -> dict[str, Any]:
    """Upstox's Browser Login: the key saved without a secret, the fake's dialog approving at
    once, and the secret typed for the one exchange."""
    c.call("POST", "/api/brokers/upstox/credentials", json={"api_key": "fuzz-upstox-key"})
    link = c.call("GET", "/api/brokers/upstox/credentials")["login_url"]
    dialog = httpx.get(link, timeout=5)
    query = parse_qs(urlsplit(dialog.headers["location"]).query)
    return {"code": query["code"][0], "state": query["state"][0], "api_secret": "typed-secret"}


def _postback(c: Context) -> dict[str, Any]:
    """Kite's postback of a live order it filled, signed with the owner's secret."""
    assert c.fake is not None
    c.fake.price("NSE:INFY", 1500)
    buy = {**order(quantity=1), "order_type": "LIMIT", "price": 1490, "mode": "live"}
    c.call("POST", "/api/orders", json=buy)
    c.fake.price("NSE:INFY", 1488)  # crosses the limit: the fake fills it
    ours = [o for o in c.fake.state()["orders"] if o["quantity"] == 1]  # not a GTT's 10
    filled: dict[str, Any] = ours[-1]
    c.fake.price("NSE:INFY", 1480)
    stamp = str(filled["order_timestamp"])
    signed = kite_postback_checksum(filled["order_id"], stamp, DEFAULT_API_SECRET)
    return filled | {"order_timestamp": stamp, "checksum": signed, "user_id": KITE_USER}


def _past_attempts(c: Context) -> None:
    """A minute on: past the attempts the fuzzing spent on a rate-limited route."""
    clock = c.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))


def _new_chat(c: Context) -> int:
    """A chat not linked yet (a minute on: linking is rate-limited)."""
    _past_attempts(c)
    return 1000 + next(_KEYS)


def _telegram_link(c: Context) -> None:
    """A pending link to unlink or confirm."""
    c.call("POST", "/api/telegram/link", json={"chat_id": _new_chat(c)})


def _telegram_code(c: Context) -> str:
    """Ask to link a chat, and play the bot: the code it would send the chat."""
    _telegram_link(c)
    with c.runtime.db.session() as db:
        row = db.scalars(
            select(TelegramLinkRequest).where(TelegramLinkRequest.user_id == c.actor.user_id)
        ).one()
        code = telegram_links.issue_code(row, secret=c.runtime.settings.secret)
        db.commit()
    return code


def _link_token(c: Context) -> str:
    _past_attempts(c)
    c.call("POST", "/api/auth/magic-link", json={"email": c.actor.email})
    return otp_and_token(c.runtime, c.actor.email)[1]


def _job_failure(c: Context) -> int:
    """One of the actor's items failed in a background job (as a poisoned row would)."""

    def poisoned(_: int) -> None:
        raise ArithmeticError("a stored value no job can use")

    c.runtime.guard.each([c.actor.user_id], job="fuzz", key=str, work=poisoned, owner=int)
    failures = c.call("GET", "/api/jobs/failures")
    return int(failures[0]["id"])


def _assistant_asks(c: Context) -> int:
    """A live order an assistant asked for, waiting for the actor's confirmation."""
    key = c.call("POST", "/api/assistant/keys", json={"name": "fuzz", "scope": "live"})
    with c.runtime.db.session() as db:
        row = confirmations.ask(
            db,
            clock=c.runtime.clock,
            user_id=c.actor.user_id,
            key_id=key["id"],
            key_name="fuzz",
            order={**order(quantity=1), "mode": "live"},
        )
        row_id = row.id
    c.ids.by_name["confirmation_id"].append(row_id)  # so generated requests have one to name
    return row_id


def _agent_key(c: Context) -> str:
    return str(c.call("POST", "/api/agent/keys", json={"name": "fuzz"})["api_key"])


AGENT_DEPLOY = {
    **DEPLOY,
    "executor": "agent",
    "broker": "kite",
    "paper_mode": False,
    "paper_fill": "gtt",
}


def _agent_headers(c: Context) -> dict[str, str]:
    return {"Authorization": f"Bearer {_agent_key(c)}"}


def _agent_signal(c: Context, *, carted: bool = True) -> int:
    """A signal of an agent-run portfolio: in its cart (auto-placed), or pending."""
    body = {**AGENT_DEPLOY, "strategy_id": _template(c), "auto_place_signals": carted}
    portfolio = int(c.call("POST", "/api/model/portfolios/deploy", json=body)["id"])
    c.call("POST", "/api/model/scan", json={"portfolio_id": portfolio, "date": SCAN_DAY})
    status = "in_cart" if carted else "pending_approval"
    rows = c.call("GET", "/api/model/signals", params={"portfolio_id": portfolio, "status": status})
    return int(rows[0]["id"])


def _agent(**request: Any) -> Seed:
    """`request` with the actor's agent key."""
    return lambda c: [request | {"headers": _agent_headers(c)}]


def _relay_state(c: Context) -> str:
    from tradertape.domain.brokers import BrokerName
    from tradertape.services.brokers.login_state import login_states

    states = login_states(c.runtime.settings.secret)
    return states.issue(user_id=c.actor.user_id, broker=BrokerName.KITE, now=c.runtime.clock.now())


def _agent_poll(c: Context) -> list[dict[str, Any]]:
    _agent_signal(c)
    return [{"headers": _agent_headers(c) | {"X-Agent-Version": "0.5.2"}}]


def _access_token(c: Context) -> list[dict[str, Any]]:
    """The live user's agent pushes back the Kite token it holds (the same one: the
    operations after it still reach the fake Kite)."""
    from tradertape.domain.brokers import BrokerName

    with c.runtime.db.session() as db:
        token = c.runtime.brokers.access_token(db, user_id=c.actor.user_id, broker=BrokerName.KITE)
    assert token is not None
    body = {"broker": "kite", "access_token": token, "broker_user_id": KITE_USER}
    return [{"headers": _agent_headers(c), "body": body}]


AGENT_HOLDING = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "quantity": 10,
    "average_price": "1400.5",
    "last_price": "1500",
}


# ----------------------------------------------------------------------------- family


FAMILY = {"name": "Fuzz family"}
NAVALL = (
    b"Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;"
    b"Net Asset Value;Date\n\nExample Mutual Fund\n\n"
    b"100001;INF000X01010;-;Example Flexi Cap Fund - Direct Growth;120.5;20-Nov-2026\n"
)
INDEX_CSV = b"Date,Close\n02-Jun-2025,24700\n03-Jun-2025,24550.5\n04-Jun-2025,24620\n"
FMV_CSV = b"isin,symbol,fmv\nINE009A01021,INFY,1150.5\n"


def _group(c: Context) -> int:
    return int(c.call("POST", "/api/family/groups", json=FAMILY)["id"])


_KIN = itertools.count(1)


def _relative(c: Context) -> tuple[int, int]:
    """A new group of the actor's and another user (made here) who is in it."""
    from tradertape.services.family import groups

    group = _group(c)
    email = f"kin{next(_KIN)}-{c.actor.email}"
    user_id = make_user(c.runtime, email)
    with c.runtime.db.session() as db:
        groups.invite(
            db,
            group,
            user_id=c.actor.user_id,
            email=email,
            role="member",
            clock=c.runtime.clock,
            outbox=c.runtime.outbox,
            base_url="http://fuzz",
        )
        groups.accept(db, group, user_id=user_id, token=None, clock=c.runtime.clock)
    return group, user_id


def _invited(c: Context) -> int:
    """A group of another user's that invites the actor."""
    from tradertape.services.family import groups

    owner = make_user(c.runtime, f"kin{next(_KIN)}-owner-{c.actor.email}")
    with c.runtime.db.session() as db:
        group = groups.create(db, user_id=owner, name="Theirs", clock=c.runtime.clock).group.id
        groups.invite(
            db,
            group,
            user_id=owner,
            email=c.actor.email,
            role="member",
            clock=c.runtime.clock,
            outbox=c.runtime.outbox,
            base_url="http://fuzz",
        )
    return group


def _joined(c: Context) -> int:
    group = _invited(c)
    c.call("POST", f"/api/family/groups/{group}/accept", json={})
    return group


def _member_of(c: Context) -> dict[str, int]:
    group, user_id = _relative(c)
    return {"group_id": group, "user_id": user_id}


def _invite_id(c: Context) -> dict[str, int]:
    group = _group(c)
    sent = c.call("POST", f"/api/family/groups/{group}/invite", json={"email": "kin@x.in"})
    # an invitation's id is its ``id`` under a nested path: name it for generated requests
    c.ids.by_name["invite_id"].append(int(sent["id"]))
    return {"group_id": group, "invite_id": int(sent["id"])}


FAMILY_SEEDS: dict[str, Seed] = {
    "GET /api/family/groups": _after(_group),
    "POST /api/family/groups": _one(body=FAMILY),
    "GET /api/family/groups/{group_id}": lambda c: [{"path_parameters": {"group_id": _group(c)}}],
    "PUT /api/family/groups/{group_id}": lambda c: [
        {"path_parameters": {"group_id": _group(c)}, "body": {"name": "Renamed"}}
    ],
    "DELETE /api/family/groups/{group_id}": lambda c: [
        {"path_parameters": {"group_id": _group(c)}}
    ],
    "POST /api/family/groups/{group_id}/invite": lambda c: [
        {"path_parameters": {"group_id": _group(c)}, "body": {"email": "kin@x.in"}}
    ],
    "POST /api/family/groups/{group_id}/accept": lambda c: [
        {"path_parameters": {"group_id": _invited(c)}, "body": {}}
    ],
    "POST /api/family/groups/{group_id}/decline": lambda c: [
        {"path_parameters": {"group_id": _invited(c)}, "body": {}}
    ],
    "POST /api/family/groups/{group_id}/leave": lambda c: [
        {"path_parameters": {"group_id": _joined(c)}}
    ],
    "DELETE /api/family/groups/{group_id}/members/{user_id}": lambda c: [
        {"path_parameters": _member_of(c)}
    ],
    "PUT /api/family/groups/{group_id}/members/{user_id}": lambda c: [
        {"path_parameters": _member_of(c), "body": {"role": "admin"}}
    ],
    "DELETE /api/family/groups/{group_id}/invites/{invite_id}": lambda c: [
        {"path_parameters": _invite_id(c)}
    ],
    "GET /api/family/invites": _after(_invited),
    "GET /api/family/consolidated": lambda c: [{}, {"query": {"group_id": _relative(c)[0]}}],
    # wealth and the journal's imports
    "GET /api/wealth": _after(_upload),
    "POST /api/wealth/navs": _one(body={"file": NAVALL}, media_type=MULTIPART),
    "GET /api/journal/benchmark": _after(
        lambda c: c.call(
            "POST",
            "/api/journal/benchmark/indices",
            files={"file": ("n50.csv", INDEX_CSV)},
            data={"name": "NIFTY 50"},
        ),
        query={"index": "NIFTY 50", "period": "1y"},
    ),
    "POST /api/journal/benchmark/indices": _one(
        body={"file": INDEX_CSV, "name": "NIFTY 50"}, media_type=MULTIPART
    ),
    "GET /api/journal/benchmark/indices": _one(),
    "POST /api/journal/fmv": _one(body={"file": FMV_CSV}, media_type=MULTIPART),
    "GET /api/journal/fmv": _after(_upload),
    "PUT /api/journal/settlement-prices": _one(
        body={"underlying": "NIFTY", "expiry": "2024-12-26", "price": "23750.20"}
    ),
    "POST /api/audit/verify": lambda c: [{"body": c.call("GET", "/api/audit/anchor")}],
}


SEEDS: dict[str, Seed] = {
    # The agent API (its key) and the web app's view of the agent
    "GET /api/agent/pending-signals": _agent_poll,
    "POST /api/agent/signal-result": lambda c: [
        {
            "headers": _agent_headers(c),
            "body": {"signal_id": _agent_signal(c), "outcome": "placed", "broker": "kite"},
        }
    ],
    "POST /api/agent/sync-holdings": _agent(
        body={"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "holdings": [AGENT_HOLDING]}
    ),
    "POST /api/agent/sync-positions": _agent(
        body={
            "broker": "kite",
            "as_of": "2025-06-02T10:00:00Z",
            "positions": [AGENT_HOLDING | {"product": "CNC"}],
            "margins": {"available_cash": "100000"},
        }
    ),
    "GET /api/agent/pending-token": _agent(query={"broker": "kite"}),
    "POST /api/agent/access-token": _access_token,
    **{
        f"POST /api/agent/signals/{{signal_id}}/{action}": (
            lambda c: [
                {
                    "headers": _agent_headers(c),
                    "path_parameters": {"signal_id": _agent_signal(c, carted=False)},
                }
            ]
        )
        for action in ("approve", "reject")
    },
    "POST /api/assistant/keys": _one(body={"name": "fuzz assistant", "scope": "paper"}),
    "POST /api/assistant/keys/{key_id}/revoke": lambda c: [
        {"path_parameters": {"key_id": c.call("POST", "/api/assistant/keys", json={})["id"]}}
    ],
    **{
        f"POST /api/assistant/confirmations/{{confirmation_id}}/{action}": (
            lambda c: [{"path_parameters": {"confirmation_id": _assistant_asks(c)}}]
        )
        for action in ("confirm", "decline")
    },
    "GET /api/agent/expected-positions": _agent(),
    "GET /api/agent/alert-fires": _agent(),
    "GET /api/agent/broker-sessions": _agent(),
    "GET /api/agent/mutual-funds": _agent(),
    "GET /api/trading-agent/status": _one(),
    "GET /api/trading-agent/holdings": _one(),
    "GET /api/trading-agent/positions": _one(),
    "GET /api/trading-agent/obfuscation": _one(),
    "GET /api/trading-agent/release": _one(),
    "PUT /api/trading-agent/obfuscation": _one(body={"on": True}),
    "POST /api/trading-agent/relay/{broker}": lambda c: [
        {
            "path_parameters": {"broker": "kite"},
            "body": {"request_token": "fuzzToken1", "state": _relay_state(c)},
        }
    ],
    "PATCH /api/model/portfolios/{portfolio_id}": lambda c: [
        {"path_parameters": {"portfolio_id": _portfolio(c)}, "body": {"auto_place_signals": True}}
    ],
    "POST /api/uploads/tradebook": _one(body={"files[]": [TRADEBOOK_CSV]}, media_type=MULTIPART),
    "POST /api/uploads/ledger": _one(body={"file": LEDGER_CSV}, media_type=MULTIPART),
    "POST /api/uploads/fo-bhavcopy": _one(body={"file": FO_BHAVCOPY_CSV}, media_type=MULTIPART),
    "POST /api/uploads/cas": _one(
        body={"file": cams_summary_pdf(), "password": CAS_PASSWORD}, media_type=MULTIPART
    ),
    "GET /api/uploads/{upload_id}": lambda c: [{"path_parameters": {"upload_id": _upload(c)}}],
    "DELETE /api/uploads/{upload_id}": lambda c: [{"path_parameters": {"upload_id": _upload(c)}}],
    "GET /api/journal/tax": _after(_upload, query={"fy": "2025-26"}),
    "POST /api/journal/patterns/strategy": _after(
        _upload, body={"dimension": "holding_period", "bucket": "0-3d"}
    ),
    # the family switcher: the actor alone, or a group of theirs
    "GET /api/journal/pnl": lambda c: [{}, {"query": {"group_id": _relative(c)[0]}}],
    "GET /api/journal/edge": lambda c: [{}, {"query": {"group_id": _relative(c)[0]}}],
    "GET /api/journal/patterns": lambda c: [{}, {"query": {"group_id": _relative(c)[0]}}],
    "GET /api/journal/tax/export": _one(query={"fy": "2025-26", "format": "csv"}),
    "GET /api/journal/tax/return": _after(_upload, query={"fy": "2025-26"}),
    "GET /api/journal/tax/schedule-112a": _one(query={"fy": "2025-26"}),
    # A live user's (`LIVE`)
    f"POST {W}/gtt/triggers": _one(body=LIVE_GTT),
    f"GET {W}/gtt/triggers/{{trigger_id}}": lambda c: [
        {"path_parameters": {"trigger_id": _live_gtt(c)}}
    ],
    f"PUT {W}/gtt/triggers/{{trigger_id}}": lambda c: [
        {"path_parameters": {"trigger_id": _live_gtt(c)}, "body": LIVE_GTT}
    ],
    f"DELETE {W}/gtt/triggers/{{trigger_id}}": lambda c: [
        {"path_parameters": {"trigger_id": _live_gtt(c)}}
    ],
    "GET /api/brokers/{broker}/reconciliation": _after(
        lambda c: c.call("POST", "/api/brokers/kite/reconciliation")
    ),
    "POST /api/brokers/kite/session": lambda c: [{"body": _kite_login(c)}],
    "POST /api/brokers/kite/postback": lambda c: [{"body": _postback(c)}],
    "POST /api/brokers/upstox/session": lambda c: [{"body": _upstox_login(c)}],
    # Orders, GTTs, funds
    "POST /api/portfolio/funds": _one(body={"amount": 1000000}),
    "POST /api/orders": lambda c: [{"body": order(quantity=1)}, {"body": LIMIT_BUY}],
    "POST /api/orders/preview": _one(body=order(quantity=1)),
    "PUT /api/orders/{order_id}": lambda c: [
        {"path_parameters": {"order_id": _resting_order(c)}, "body": {"quantity": 3, "price": 1401}}
    ],
    "DELETE /api/orders/{order_id}": lambda c: [
        {"path_parameters": {"order_id": _resting_order(c)}}
    ],
    # A desk order by its id (a worker run's order ids, seen on its book, are not the desk's)
    "GET /api/orders/{order_id}": lambda c: [{"path_parameters": {"order_id": _resting_order(c)}}],
    "POST /api/orders/{order_id}/slices/cancel": lambda c: [
        {"path_parameters": {"order_id": _sliced_order(c)}}
    ],
    "GET /api/orders/{order_id}/history": lambda c: [
        {"path_parameters": {"order_id": _resting_order(c)}}
    ],
    "POST /api/gtt/triggers": _one(body=_gtt()),
    "POST /api/alerts": _one(body=ALERT),
    "POST /api/alerts/basket/preview": _one(
        body={
            "symbol": "NSE:INFY",
            "legs": [
                {"transaction_type": "BUY", "quantity": 1},
                {"symbol": "NSE:TCS", "transaction_type": "SELL", "quantity": 1, "product": "MIS"},
            ],
        }
    ),
    "POST /api/alerts/fires/{fire_id}/confirm": _held_fire,
    "POST /api/alerts/fires/{fire_id}/dismiss": _held_fire,
    "POST /api/webhooks": _one(body={"name": "Chartink", "preset": "chartink"}),
    "POST /api/hooks/{hook_id}": _hook_request,
    "PUT /api/gtt/triggers/{trigger_id}": lambda c: [
        {
            "path_parameters": {
                "trigger_id": c.call("POST", "/api/gtt/triggers", json=_gtt())["trigger_id"]
            },
            "body": _gtt(1460, 1465),
        }
    ],
    "DELETE /api/jobs/failures/{failure_id}": lambda c: [
        {"path_parameters": {"failure_id": _job_failure(c)}}
    ],
    "DELETE /api/gtt/triggers/{trigger_id}": lambda c: [
        {
            "path_parameters": {
                "trigger_id": c.call("POST", "/api/gtt/triggers", json=_gtt())["trigger_id"]
            }
        }
    ],
    "POST /api/risk/rules": _one(body=RULE),
    "POST /api/risk/rules/{rule_id}/resume": _mtm_rule,
    "POST /api/risk/rules/preview": _one(body=MTM_RULE),
    "POST /api/options/basket/preview": _basket,
    "POST /api/options/basket": _basket,
    "GET /api/risk/rules/{rule_id}": lambda c: [
        {"path_parameters": {"rule_id": c.call("POST", "/api/risk/rules", json=RULE)["id"]}}
    ],
    "DELETE /api/risk/rules/{rule_id}": lambda c: [
        {"path_parameters": {"rule_id": c.call("POST", "/api/risk/rules", json=RULE)["id"]}}
    ],
    "POST /api/model/positions/{position_id}/close": lambda c: [
        {"path_parameters": {"position_id": _position(c)}}
    ],
    "PUT /api/risk/rules/{rule_id}": lambda c: [
        {
            "path_parameters": {"rule_id": c.call("POST", "/api/risk/rules", json=RULE)["id"]},
            "body": {
                **RULE,
                "enabled": True,
                "threshold_pct": None,
                "threshold_count": None,
                "portfolio_id": None,
            },
        }
    ],
    # Strategies, backtests, model portfolios
    "POST /api/strategies": _one(body=SMA_CROSS),
    "PUT /api/strategies/{strategy_id}": lambda c: [
        {"path_parameters": {"strategy_id": _own_strategy(c)}, "body": SMA_CROSS}
    ],
    "DELETE /api/strategies/{strategy_id}": lambda c: [
        {"path_parameters": {"strategy_id": _own_strategy(c)}}
    ],
    "POST /api/strategies/{strategy_id}/share": lambda c: [
        {"path_parameters": {"strategy_id": _own_strategy(c)}, "body": {"is_public": True}}
    ],
    "GET /api/strategies/{strategy_id}/versions/{version}": lambda c: [
        {"path_parameters": {"strategy_id": _own_strategy(c), "version": 1}}
    ],
    "POST /api/backtest/run": lambda c: [{"body": {**BACKTEST, "strategy_id": _template(c)}}],
    "POST /api/backtests/options": lambda c: [
        {"body": OPTIONS_BACKTEST},
        {"body": {**OPTIONS_BACKTEST, "data": "import"}},  # nothing imported: a 422
    ],
    "GET /api/backtests/options/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _options_run(c)}}
    ],
    "DELETE /api/backtests/options/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _options_run(c)}}
    ],
    "POST /api/backtests/options/sweeps": lambda c: [
        {"body": OPTIONS_SWEEP},
        {"body": {**OPTIONS_SWEEP, "parameters": [{"parameter": "trailing_by", "values": [5]}]}},
    ],
    "GET /api/backtests/options/sweeps/{sweep_id}": lambda c: [
        {"path_parameters": {"sweep_id": _options_sweep(c, ended=False)}}
    ],
    "GET /api/backtests/options/sweeps/{sweep_id}/events": lambda c: [
        {"path_parameters": {"sweep_id": _options_sweep(c, ended=True)}}
    ],
    "POST /api/backtests/options/sweeps/{sweep_id}/cells/{index}/run": lambda c: [
        {"path_parameters": {"sweep_id": _options_sweep(c, ended=True), "index": 1}}
    ],
    "POST /api/backtests/options/sweeps/{sweep_id}/cancel": lambda c: [
        {"path_parameters": {"sweep_id": _held_back(c, lambda: _options_sweep(c, ended=False))}}
    ],
    "DELETE /api/backtests/options/sweeps/{sweep_id}": lambda c: [
        {"path_parameters": {"sweep_id": _options_sweep(c, ended=True)}}
    ],
    "POST /api/backtests/options/walk-forwards": lambda c: [
        {"body": OPTIONS_WALK_FORWARD},
        {"body": {**OPTIONS_WALK_FORWARD, "in_sample_days": 400}},  # no fold fits: a 422
    ],
    "GET /api/backtests/options/walk-forwards/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _options_walk_forward(c, ended=True)}}
    ],
    "GET /api/backtests/options/walk-forwards/{run_id}/events": lambda c: [
        {"path_parameters": {"run_id": _options_walk_forward(c, ended=True)}}
    ],
    "POST /api/backtests/options/walk-forwards/{run_id}/cancel": lambda c: [
        {
            "path_parameters": {
                "run_id": _held_back(c, lambda: _options_walk_forward(c, ended=False))
            }
        }
    ],
    "POST /api/backtests/options/walk-forwards/{run_id}/resume": lambda c: [
        {"path_parameters": {"run_id": _options_walk_forward(c, ended=True, cancelled=True)}}
    ],
    "DELETE /api/backtests/options/walk-forwards/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _options_walk_forward(c, ended=True)}}
    ],
    "GET /api/backtests/options/compare": lambda c: [
        {"query": {"run": [_options_run(c), _options_run(c)]}}
    ],
    "GET /api/backtest/runs/{run_id}": lambda c: [{"path_parameters": {"run_id": _backtest(c)}}],
    "DELETE /api/backtest/runs/{run_id}": lambda c: [{"path_parameters": {"run_id": _backtest(c)}}],
    "POST /api/backtest/runs": lambda c: [{"body": {**BACKTEST, "strategy_id": _template(c)}}],
    "GET /api/backtest/runs/{run_id}/events": lambda c: [
        {"path_parameters": {"run_id": _backtest(c)}}
    ],
    "POST /api/backtest/sweeps": lambda c: [{"body": {**SWEEP, "strategy_id": _template(c)}}],
    "GET /api/backtest/sweeps/parameters": lambda c: [{"query": {"strategy_id": _template(c)}}],
    "GET /api/backtest/sweeps/{sweep_id}": lambda c: [
        {"path_parameters": {"sweep_id": _sweep(c, ended=False)}}
    ],
    "GET /api/backtest/sweeps/{sweep_id}/events": lambda c: [
        {"path_parameters": {"sweep_id": _sweep(c, ended=True)}}
    ],
    "POST /api/backtest/sweeps/{sweep_id}/cancel": lambda c: [
        {"path_parameters": {"sweep_id": _held_back(c, lambda: _sweep(c, ended=False))}}
    ],
    "DELETE /api/backtest/sweeps/{sweep_id}": lambda c: [
        {"path_parameters": {"sweep_id": _sweep(c, ended=True)}}
    ],
    "POST /api/backtest/sweeps/{sweep_id}/variants/{index}/run": lambda c: [
        {"path_parameters": {"sweep_id": _sweep(c, ended=True), "index": 0}}
    ],
    "POST /api/algo-workers/replays": lambda _c: [{"body": REPLAY_START}],
    "GET /api/algo-workers/replays/{replay_id}": lambda c: [
        {"path_parameters": {"replay_id": _replay(c)}}
    ],
    "POST /api/backtest/walk-forwards": lambda c: [
        {"body": {**WALK_FORWARD, "strategy_id": _template(c)}}
    ],
    "GET /api/backtest/walk-forwards/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _walk_forward(c, ended=True)}}
    ],
    "GET /api/backtest/walk-forwards/{run_id}/events": lambda c: [
        {"path_parameters": {"run_id": _walk_forward(c, ended=True)}}
    ],
    "POST /api/backtest/walk-forwards/{run_id}/cancel": lambda c: [
        {"path_parameters": {"run_id": _held_back(c, lambda: _walk_forward(c, ended=False))}}
    ],
    "POST /api/backtest/walk-forwards/{run_id}/resume": lambda c: [
        {"path_parameters": {"run_id": _cancelled_walk_forward(c)}}
    ],
    "DELETE /api/backtest/walk-forwards/{run_id}": lambda c: [
        {"path_parameters": {"run_id": _walk_forward(c, ended=True)}}
    ],
    "POST /api/model/portfolios/deploy": lambda c: [{"body": _funded_deploy(c)}],
    "GET /api/model/dashboard": lambda c: [{"query": {"portfolio_id": _portfolio(c)}}],
    "POST /api/model/scan": lambda c: [{"body": {"portfolio_id": _portfolio(c), "date": SCAN_DAY}}],
    **{
        f"POST /api/model/portfolios/{{portfolio_id}}/{action}": (
            lambda c: [{"path_parameters": {"portfolio_id": _portfolio(c)}}]
        )
        for action in ("pause", "reset", "retire")
    },
    "POST /api/model/portfolios/{portfolio_id}/resume": lambda c: [
        {"path_parameters": {"portfolio_id": _paused(c)}}
    ],
    **{
        f"POST /api/model/signals/{{signal_id}}/{action}": (
            lambda c: [{"path_parameters": {"signal_id": _signal(c)}}]
        )
        for action in ("approve", "reject", "expire")
    },
    "POST /api/model/signals/{signal_id}/unapprove": lambda c: [
        {"path_parameters": {"signal_id": _approved(c)}}
    ],
    # Market data
    "GET /api/instruments/resolve": _one(query={"symbol": "NSE:INFY"}),
    "GET /api/market/history": _one(
        query={"symbol": "NSE:INFY", "from": "2025-06-02", "to": "2025-06-30"}
    ),
    "GET /api/market/fills": _one(query={"symbol": "NSE:INFY"}),
    "GET /api/market/indicators": _one(
        query={
            "symbol": "NSE:INFY",
            "names": "sma20,rsi14",
            "interval": "15minute",
            "from": "2025-06-02",
            "to": "2025-06-30",
        }
    ),
    f"GET {W}/market/calendar": _one(query={"from": "2026-11-01", "to": "2026-11-30"}),
    f"GET {W}/market/candles": _one(query={"symbol": "NSE:INFY"}),
    f"GET {W}/market/candles/stream": _one(query={"symbol": "NSE:INFY"}),
    "GET /api/market/indicator-forms": _one(),
    "GET /api/market/drawings": _one(query={"symbol": "NSE:INFY"}),
    "POST /api/market/drawings": _one(body=DRAWING),
    "DELETE /api/market/drawings/{drawing_id}": lambda c: [
        {"path_parameters": {"drawing_id": _drawing(c)}}
    ],
    f"GET {W}/market/history": _one(
        query={"symbol": "NSE:INFY", "timeframe": "day", "from": "2025-06-02", "to": "2025-06-30"}
    ),
    f"GET {W}/market/instruments/resolve": _one(query={"symbol": "NSE:INFY"}),
    # Telegram (the app's bot is configured; the seed plays its part)
    "POST /api/telegram/link": lambda c: [{"body": {"chat_id": _new_chat(c)}}],
    "POST /api/telegram/link/confirm": lambda c: [{"body": {"code": _telegram_code(c)}}],
    "DELETE /api/telegram/link": _after(_telegram_link),
    # Groww's key-flow login, at the fake Groww
    "POST /api/brokers/groww/session": _after(
        lambda c: c.call("POST", "/api/brokers/groww/credentials", json={"api_key": GROWW_KEY}),
        body={"totp": GROWW_TOTP},
    ),
    # SEBI's static IP, beside an API key (a key comes first)
    "PUT /api/brokers/{broker}/static-ip": _after(
        lambda c: c.call("POST", "/api/brokers/groww/credentials", json={"api_key": GROWW_KEY}),
        path_parameters={"broker": "groww"},
        body={"static_ip": "203.0.113.7"},
    ),
    # Sign-in
    "POST /api/auth/magic-link": lambda c: [{"body": {"email": c.actor.email}}],
    "POST /api/auth/password-login": lambda c: [
        {"body": {"email": c.actor.email, "password": PASSWORD}}
    ],
    "POST /api/auth/verify-link": lambda c: [{"body": {"token": _link_token(c)}}],
    "GET /api/agent/whoami": lambda c: [{"headers": {"Authorization": f"Bearer {_agent_key(c)}"}}],
    # A worker's run
    f"POST {W}/runs": lambda c: [
        {
            "body": {
                "template_id": "basic-equity",
                "account_scope": "kite:paper",
                "execution_mode": "paper",
                "strategy_run_id": c.actor.run_id,
            }
        }
    ],
    f"POST {W}/runs/{{run_id}}/intents": lambda c: [
        {
            "body": {
                "intent_type": "place_order",
                "payload": {"order": order(quantity=1)},
                "idempotency_key": f"fuzz-key-{next(_KEYS)}",
                "metadata": {},
            }
        }
    ],
    f"POST {W}/runs/{{run_id}}/preview/order": _one(body={"order": order(quantity=1)}),
    f"POST {W}/runs/{{run_id}}/preview/basket": _one(
        body={"orders": [order(quantity=1), order("TCS", quantity=1)]}
    ),
    f"POST {W}/runs/{{run_id}}/progress": _one(body={"note": "half way"}),
    f"POST {W}/runs/{{run_id}}/heartbeat": _one(body={}),
    f"POST {W}/runs/{{run_id}}/decision-events": _one(
        body={"event_type": "signal.generated", "summary": "EMA crossover on INFY"}
    ),
    f"PATCH {W}/runs/{{run_id}}/risk": _one(body={"patch": {"stop_loss_pct": 1.0}}),
    f"PATCH {W}/runs/{{run_id}}/protection": _one(body={"backend_protection": STOP}),
    f"POST {W}/runs/{{run_id}}/exit": _one(body={"dry_run": True}),
    f"DELETE {W}/runs/{{run_id}}/claim-session": _one(),
    f"GET {W}/orders": lambda c: [{"query": {"strategy_run_id": c.actor.run_id}}],
    f"GET {W}/trades": lambda c: [{"query": {"strategy_run_id": c.actor.run_id}}],
    f"GET {W}/orders/{{order_id}}": lambda c: [
        {
            "path_parameters": {"order_id": _worker_order(c)},
            "query": {"strategy_run_id": c.actor.run_id},
        }
    ],
    f"GET {W}/orders/{{order_id}}/history": lambda c: [
        {
            "path_parameters": {"order_id": _worker_order(c)},
            "query": {"strategy_run_id": c.actor.run_id},
        }
    ],
    f"POST {W}/orders/{{order_id}}/modify": lambda c: [
        {
            "path_parameters": {"order_id": _worker_order(c)},
            "body": {"strategy_run_id": c.actor.run_id, "price": 1410},
        }
    ],
    f"POST {W}/orders/{{order_id}}/cancel": lambda c: [
        {
            "path_parameters": {"order_id": _worker_order(c)},
            "body": {"strategy_run_id": c.actor.run_id},
        }
    ],
    # A worker's option runs
    f"POST {W}/options/underlyings/{{underlying}}/selection/resolve": _one(
        body={"expiry": "current_week", "legs": [{"option_type": "CE", "offset": 0}]}
    ),
    f"POST {W}/options/strategies/preview": _one(
        body={
            "underlying": "NIFTY",
            "expiry": "current_week",
            "legs": [{"option_type": "CE", "offset": 0, "transaction_type": "BUY", "lots": 1}],
        }
    ),
    f"POST {W}/options/runs": lambda c: [
        {
            "body": {
                "strategy_run_id": _run(c, f"{c.actor.run_id}_options"),
                "strategy_name": "Bull call spread",
                "product": "NRML",
                "legs": _spread(c),
            }
        }
    ],
    **{
        f"{method} {W}/options/runs/{{run_id}}/{action}": (_on_option_run(body))
        for method, action, body in (
            ("GET", "state", None),
            ("GET", "protection/state", None),
            ("POST", "preview-entry", None),
            ("POST", "enter", {}),
            (
                "PUT",
                "protection",
                {"rules": [{"metric": "combined_premium", "operator": "gte", "threshold": 1}]},
            ),
            ("POST", "protection/replay", {"metric_snapshots": [{"combined_premium": 120.5}]}),
        )
    },
    f"POST {W}/options/runs/{{run_id}}/preview-exit": lambda c: [
        {"path_parameters": {"run_id": _entered(c)}}
    ],
    f"POST {W}/options/runs/{{run_id}}/exit": lambda c: [
        {"path_parameters": {"run_id": _entered(c)}, "body": {}}
    ],
    **FAMILY_SEEDS,
    # The owner's desk of worker runs and the web's option pages
    "GET /api/algo-workers/runs/{run_id}": _desk(),
    "GET /api/algo-workers/runs/{run_id}/pnl": _desk(),
    "GET /api/algo-workers/runs/{run_id}/book": _desk(),
    "GET /api/algo-workers/runs/{run_id}/pnl/stream": _desk(),
    "GET /api/algo-workers/runs/{run_id}/timeline/stream": _desk(),
    "GET /api/algo-workers/runs/{run_id}/timeline": _desk({"query": {"event_kind": "decision"}}),
    "PATCH /api/algo-workers/runs/{run_id}/protection": _desk(
        {"body": {"backend_protection": STOP, "reason": "desk"}}
    ),
    "PATCH /api/algo-workers/runs/{run_id}/risk": _desk({"body": {"patch": {"max_loss": 500}}}),
    "POST /api/algo-workers/runs/{run_id}/exit": _desk({"body": {"dry_run": True}}),
    "GET /api/algo-workers/runs/{run_id}/option": _desk_option(),
    "POST /api/algo-workers/runs/{run_id}/option/payoff": _desk_option({"body": {"iv_shift": 1}}),
    "GET /api/options/underlyings/{underlying}/chain": lambda c: [
        {"query": {"expiry": "2026-12-01", "window": 5}}
    ],
    "POST /api/options/payoff": lambda c: [{"body": PAYOFF}],
    "GET /api/simulator/chain": _one(query={"underlying": "NIFTY", "at": SIM_AT, "window": 3}),
    "POST /api/simulator/sessions": _one(body={"underlying": "NIFTY", "at": SIM_AT}),
    "GET /api/simulator/sessions/{session_id}": lambda c: [
        {"path_parameters": {"session_id": _sim_session(c)}}
    ],
    "POST /api/simulator/sessions/{session_id}/legs": lambda c: [
        {
            "path_parameters": {"session_id": (sid := _sim_session(c))},
            "body": {
                "strike": c.call("GET", f"/api/simulator/sessions/{sid}")["legs"][0]["strike"],
                "option_type": "PE",
                "transaction_type": "SELL",
                "lots": 1,
            },
        }
    ],
    "POST /api/simulator/sessions/{session_id}/legs/{leg_id}/exit": lambda c: [
        {"path_parameters": {"session_id": _sim_session(c), "leg_id": 1}}
    ],
    "POST /api/simulator/sessions/{session_id}/step": lambda c: [
        {"path_parameters": {"session_id": _sim_session(c)}, "body": {"minutes": 5}}
    ],
    "GET /api/simulator/sessions/{session_id}/frames": lambda c: [
        {"path_parameters": {"session_id": _sim_session(c)}, "query": {"start": 40, "count": 10}}
    ],
    "POST /api/simulator/sessions/{session_id}/journal": lambda c: [
        {"path_parameters": {"session_id": _sim_session(c)}, "body": {"exit_open": True}}
    ],
}


def requests(label: str, context: Context) -> list[dict[str, Any]]:
    """The operation's realistic requests, path parameters included."""
    template = label.split(" ", 1)[1]
    fixed = path_parameters(template, context)
    seed = SEEDS.get(label)
    if seed is None:  # a plain call where no id is needed (a list: its ids are learned)
        plain = all(name in fixed for name in PARAM.findall(template))
        return [{"path_parameters": fixed}] if plain else []
    made = []
    for request in seed(context):
        merged = {**fixed, **request.get("path_parameters", {})}
        if any(name not in merged for name in PARAM.findall(template)):
            choices = context.ids.candidates(template)
            if not choices:
                continue
            merged = {**choices[-1], **merged}
        made.append({**request, "path_parameters": merged})
    return made
