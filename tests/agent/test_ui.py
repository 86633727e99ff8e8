"""The agent's local UI: who may talk to it (Host, same-site writes, the PIN) and what its
buttons do (an approval in manual mode places the signal at the next poll)."""

from __future__ import annotations

import socket
from base64 import b64encode
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.agent.cloud_kit import FakeCloud, entry_signal
from tests.agent.conftest import Agents, kite_at
from tests.brokers.kite.conftest import Fake
from tests.serving import serve
from tests.statement_files import Fill, zerodha_csv
from tradertape.fakebrokers.upstox import create_app as create_upstox
from tradertape.ports.clock import ManualClock
from tradertape_agent import cli, obfuscation
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, load, save
from tradertape_agent.engine import Agent
from tradertape_agent.ui import security
from tradertape_agent.ui.app import UiState, create_app
from tradertape_agent.ui.server import start_ui

HOME = "http://localhost:5679"
SAME = {"Origin": HOME, "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def manual(agents: Agents, cloud: FakeCloud) -> Agent:
    agents.config.auto_execute = False
    cloud.signals = [entry_signal(7)]
    agent = agents.new()
    agent.cycle()  # the signal is seen and waits for approval
    return agent


@pytest.fixture
def ui(manual: Agent, tmp_path: Path) -> Iterator[tuple[TestClient, UiState]]:
    path = tmp_path / "agent.json"
    save(manual.config, path)
    hosts = security.HostCheck.for_machine(["trader-pi.lan"], hostname="trader-pi")
    state = UiState(manual, path, hosts)
    with TestClient(create_app(state), base_url=HOME) as client:
        yield client, state


def test_a_signal_waits_in_manual_mode_until_approved_in_the_ui(
    ui: tuple[TestClient, UiState], manual: Agent, agents: Agents, cloud: FakeCloud
):
    client, _ = ui
    [row] = client.get("/api/signals").json()["signals"]
    assert (row["id"], row["state"], row["symbol"]) == (7, "waiting", "NSE:INFY")
    assert agents.fake.state()["gtts"] == []

    answer = client.post("/api/signals/7/approve", json={}, headers=SAME)

    assert answer.status_code == 200, answer.text
    assert answer.json()["signals"][0]["state"] == "approved"
    assert manual.journal.decision(7) == "approved"
    manual.cycle()
    assert [r["outcome"] for r in cloud.results] == ["placed"]
    assert len(agents.fake.state()["gtts"]) == 1
    assert client.get("/api/signals").json()["recent"][0]["status"] == "placed"


def test_a_rejected_signal_is_never_placed(
    ui: tuple[TestClient, UiState], manual: Agent, cloud: FakeCloud
):
    """...and rejected in TraderTape at the next poll: the cloud no longer hands it out."""
    client, _ = ui
    assert client.post("/api/signals/7/reject", json={}, headers=SAME).status_code == 200
    manual.config.auto_execute = True  # even with auto-execute turned on afterwards
    manual.cycle()
    assert cloud.results == []
    assert cloud.decisions == [(7, "reject")]
    assert cloud.signals == []
    assert client.get("/api/signals").json()["signals"] == []
    manual.cycle()
    assert cloud.decisions == [(7, "reject")]  # once
    assert client.post("/api/signals/99/approve", json={}, headers=SAME).status_code == 404


def test_a_signal_waiting_for_approval_in_the_cloud_is_listed_and_approved_into_the_cart(
    ui: tuple[TestClient, UiState], manual: Agent, cloud: FakeCloud, agents: Agents
):
    client, _ = ui
    cloud.awaiting = [entry_signal(8, status="pending_approval"), entry_signal(9)]
    manual.cycle()
    rows = {r["id"]: r for r in client.get("/api/signals").json()["signals"]}
    assert (rows[8]["state"], rows[9]["state"]) == ("awaiting", "awaiting")
    assert "Waits for your approval in TraderTape" in rows[8]["note"]
    assert client.get("/api/status").json()["waiting"] == 3  # 7 in the cart, 8 and 9

    assert client.post("/api/signals/8/approve", json={}, headers=SAME).status_code == 200
    assert client.post("/api/signals/9/reject", json={}, headers=SAME).status_code == 200
    manual.cycle()  # the decisions go first; the poll hands 8 out of the cart; it is placed

    assert cloud.decisions == [(8, "approve"), (9, "reject")]
    assert [(r["signal_id"], r["outcome"]) for r in cloud.results] == [(8, "placed")]
    assert len(agents.fake.state()["gtts"]) == 1
    states = [(r["id"], r["state"]) for r in client.get("/api/signals").json()["signals"]]
    assert states == [(7, "waiting"), (8, "placed")]  # 9 is gone, as in TraderTape


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},  # an older browser: no Sec-Fetch-Site
        {"Sec-Fetch-Site": "same-site"},  # another port or subdomain of this machine
        {"Origin": "null"},  # a sandboxed frame
    ],
)
def test_a_cross_site_post_is_refused(
    ui: tuple[TestClient, UiState], manual: Agent, headers: dict[str, str]
):
    client, _ = ui
    answer = client.post("/api/signals/7/approve", json={}, headers=headers)
    assert answer.status_code == 403
    assert "another site" in answer.json()["detail"]
    assert manual.journal.decision(7) is None


def test_a_form_post_without_origin_is_refused(ui: tuple[TestClient, UiState], manual: Agent):
    """A plain HTML form sends no JSON; the UI takes none but JSON."""
    client, _ = ui
    answer = client.post(
        "/api/signals/7/approve", content="x=1", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 403
    assert manual.journal.decision(7) is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5679", "10.9.8.7.nip.io"])
def test_a_foreign_host_is_refused_on_reads_and_writes(ui: tuple[TestClient, UiState], host: str):
    """DNS rebinding: a page's own name pointed at this machine."""
    client, _ = ui
    assert client.get("/api/signals", headers={"Host": host}).status_code == 403
    assert client.get("/", headers={"Host": host}).status_code == 403
    answer = client.post(
        "/api/signals/7/approve", json={}, headers={"Host": host, "Origin": f"http://{host}"}
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "host", ["localhost:5679", "127.0.0.1:5679", "trader-pi.local:5679", "trader-pi.lan:5679"]
)
def test_the_machines_own_names_are_answered(ui: tuple[TestClient, UiState], host: str):
    client, _ = ui
    assert client.get("/api/status", headers={"Host": host}).status_code == 200
    answer = client.post(
        "/api/signals/7/approve", json={}, headers={"Host": host, "Origin": f"http://{host}"}
    )
    assert answer.status_code == 200, answer.text


def test_a_pin_once_set_is_asked_for(ui: tuple[TestClient, UiState], manual: Agent):
    client, state = ui
    for short in ("12", "2468", "12345", "pass word", " 12345678 ", "１２３４５６"):
        refused = client.put("/api/pin", json={"pin": short}, headers=SAME)
        assert (refused.status_code, refused.json()["detail"]) == (422, security.PIN_RULE)
    assert client.put("/api/pin", json={"pin": "tulsi garden 9"}, headers=SAME).status_code == 200
    assert client.put("/api/pin", json={"pin": "246813"}, headers=SAME).status_code == 200
    assert load(state.config_path).ui_pin_hash.startswith("scrypt$")
    assert "246813" not in state.config_path.read_text()

    other = TestClient(create_app(state), base_url=HOME)  # another browser: no cookie
    assert other.get("/api/session").json() == {
        "version": other.get("/api/session").json()["version"],
        "pin_required": True,
        "authenticated": False,
    }
    assert other.get("/api/signals").status_code == 401
    assert other.post("/api/signals/7/approve", json={}, headers=SAME).status_code == 401
    assert manual.journal.decision(7) is None
    wrong = other.post("/api/session", json={"pin": "111111"}, headers=SAME)
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "pin: wrong PIN")
    assert other.post("/api/session", json={"pin": "246813"}, headers=SAME).status_code == 200
    assert other.get("/api/signals").status_code == 200
    cookie = other.cookies.get(security.COOKIE)
    assert cookie
    assert cookie in state.sessions.tokens


def test_a_short_pin_set_before_the_rule_still_opens_and_asks_for_a_longer_one(
    ui: tuple[TestClient, UiState],
):
    client, state = ui
    state.config.ui_pin_hash = security.hash_pin("2468")  # as an older agent stored it
    assert client.post("/api/session", json={"pin": "2468"}, headers=SAME).status_code == 200
    assert client.get("/api/settings").json()["pin_weak"] is True
    assert client.put("/api/pin", json={"pin": "97531864"}, headers=SAME).status_code == 200
    assert client.get("/api/settings").json()["pin_weak"] is False


@pytest.fixture
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many PINs tried: a cheap scrypt cost changes speed, not what is compared."""
    monkeypatch.setattr(security, "_N", 2**4)


def _browser(state: UiState, address: str) -> TestClient:
    return TestClient(create_app(state), base_url=HOME, client=(address, 50000))


def test_wrong_pins_lock_out_only_their_address_and_each_wait_doubles(
    ui: tuple[TestClient, UiState], cheap_scrypt: None
):
    _, state = ui
    now = [100.0]
    state.sessions.monotonic = lambda: now[0]
    state.config.ui_pin_hash = security.hash_pin("246813")
    guesser = _browser(state, "192.168.1.66")

    def guess(pin: str = "000000") -> int:
        return guesser.post("/api/session", json={"pin": pin}, headers=SAME).status_code

    waits = []
    for _ in range(4):
        assert [guess() for _ in range(security.MAX_TRIES)] == [401] * security.MAX_TRIES
        locked = guesser.post("/api/session", json={"pin": "246813"}, headers=SAME)
        assert locked.status_code == 429  # the right PIN too: nothing is tried while waiting
        waits.append(int(locked.headers["Retry-After"]))
        owner = _browser(state, "192.168.1.10")  # another address is not held up by it
        assert owner.post("/api/session", json={"pin": "246813"}, headers=SAME).status_code == 200
        now[0] += waits[-1] - 2
        assert guess() == 429
        now[0] += 2
    assert waits == [60, 120, 240, 480]
    for _ in range(9):  # the wait stops growing at a day
        for _ in range(security.MAX_TRIES):
            guess()
        now[0] += state.sessions.locked_for("192.168.1.66")
    assert [guess() for _ in range(security.MAX_TRIES)][-1] == 401
    assert state.sessions.locked_for("192.168.1.66") == security.MAX_LOCKOUT_SECS
    now[0] += security.MAX_LOCKOUT_SECS
    assert guess("246813") == 200  # the right PIN forgets the address's misses
    assert "192.168.1.66" not in state.sessions.misses


def test_a_signed_in_browser_is_never_locked_out(
    ui: tuple[TestClient, UiState], cheap_scrypt: None
):
    _, state = ui
    state.sessions.monotonic = lambda: 100.0
    state.config.ui_pin_hash = security.hash_pin("246813")
    owner, guesser = _browser(state, "10.0.0.5"), _browser(state, "10.0.0.5")  # one address
    assert owner.post("/api/session", json={"pin": "246813"}, headers=SAME).status_code == 200
    for _ in range(security.MAX_TRIES):
        assert guesser.post("/api/session", json={"pin": "0"}, headers=SAME).status_code == 401
    assert guesser.post("/api/session", json={"pin": "246813"}, headers=SAME).status_code == 429
    assert owner.get("/api/signals").status_code == 200
    assert owner.post("/api/session", json={"pin": ""}, headers=SAME).json()["authenticated"]
    assert owner.put("/api/pin", json={"pin": "135792468"}, headers=SAME).status_code == 200


def test_addresses_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(security, "MAX_ADDRESSES", 3)
    now = [0.0]
    sessions = security.Sessions(monotonic=lambda: now[0])
    for n in range(3):
        for _ in range(security.MAX_TRIES):
            sessions.missed(f"a{n}")
        now[0] += 10
    sessions.missed("b")  # full of waiting addresses: the wait ending soonest is forgotten
    assert sorted(sessions.misses) == ["a1", "a2", "b"]
    now[0] += security.LOCKOUT_SECS * 2
    sessions.missed("c")  # every wait has ended: those are forgotten first
    assert sorted(sessions.misses) == ["c"]


def test_settings_change_live_and_on_disk_and_name_a_bad_field(
    ui: tuple[TestClient, UiState], manual: Agent
):
    client, state = ui
    bad = client.put("/api/settings", json={"stop_loss_pct": 80}, headers=SAME)
    assert (bad.status_code, bad.json()["detail"]) == (422, "stop_loss_pct: between 0.1 and 50")
    bad = client.put("/api/settings", json={"poll_interval": "fast"}, headers=SAME)
    assert bad.json()["detail"] == "poll_interval: a number"
    changed = client.put(
        "/api/settings",
        json={
            "auto_execute": True,
            "stop_loss_pct": 4,
            "poll_interval": 60,
            "ignore_symbols": ["reliance", "BSE:TCS"],
            "credentials": {"upstox_api_key": "uk-1", "upstox_api_secret": "us-secret-9"},
        },
        headers=SAME,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["ignore_symbols"] == ["BSE:TCS", "NSE:RELIANCE"]
    assert body["credentials"]["upstox"] == {"api_key_set": True, "api_secret_set": True}
    assert "us-secret-9" not in str(body)  # write-only
    assert manual.config.auto_execute
    assert manual.config.poll_interval == 60
    saved = load(state.config_path)
    assert (saved.stop_loss_pct, saved.upstox_api_secret) == (4, "us-secret-9")


def test_the_dashboard_adds_up_the_brokers(ui: tuple[TestClient, UiState], agents: Agents):
    client, _ = ui
    body = client.get("/api/dashboard").json()
    assert body["status"]["waiting"] == 1
    total = body["total"]
    rows = client.get("/api/holdings").json()["holdings"]
    assert total["value"] == f"{sum(float(r['value']) for r in rows):.2f}"
    assert [b["broker"] for b in body["brokers"]] == ["kite"]


def test_kite_login_needs_the_state_it_started(ui: tuple[TestClient, UiState], agents: Agents):
    client, state = ui
    start = client.post("/api/brokers/kite/login", json={}, headers=SAME).json()
    assert start["redirect"] == f"{HOME}/brokers/kite/callback"
    assert start["url"].startswith(f"{agents.fake.url}/connect/login?")
    token = agents.fake.request_token()
    forged = client.get(
        "/brokers/kite/callback",
        params={"status": "success", "request_token": token, "state": "guessed"},
        follow_redirects=False,
    )
    assert forged.headers["location"] == "/#/brokers?broker=kite&login=unknown"
    [nonce] = state.logins
    state.config.kite_access_token = ""
    good = client.get(
        "/brokers/kite/callback",
        params={"status": "success", "request_token": token, "state": nonce},
        follow_redirects=False,
    )
    assert good.headers["location"] == "/#/brokers?broker=kite&login=ok"
    assert load(state.config_path).kite_access_token
    assert state.logins == {}


def test_run_serves_the_ui_while_it_polls_and_stops_it_after(
    tmp_path: Path, config: Config, cloud: FakeCloud, clock: ManualClock
):
    """`tradertape-agent run` starts the UI beside the poll loop ("Listening on ..." between
    the loaded brokers and the health line); an approval there is placed at the next poll."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config.auto_execute = False
    config.ui_host, config.ui_port = "127.0.0.1", port
    path = tmp_path / "agent.json"
    save(config, path)
    cloud.signals = [entry_signal(31)]
    lines: list[str] = []
    seen: list[Any] = []
    home = f"http://127.0.0.1:{port}"

    def between_polls(_seconds: float) -> bool:
        if seen:
            return True  # the second poll has run: stop
        with httpx.Client(base_url=home, timeout=5) as http:
            seen.append(http.get("/api/signals").json()["signals"][0]["state"])
            approved = http.post("/api/signals/31/approve", json={}, headers={"Origin": home})
            seen.append(approved.status_code)
        return False

    runner = cli.Runner(
        path,
        say=lines.append,
        cloud=lambda url, key: Cloud(url, key, transport=cloud.transport()),
        clock=clock.now,
        wait=between_polls,
    )
    assert runner.run() == 0

    assert seen == ["waiting", 200]
    listening = lines.index(f"[agent] Listening on {home}")
    assert lines[listening - 1].startswith("[agent] Loaded brokers")
    assert lines[listening + 1].startswith("[agent] Health:")
    assert [r["outcome"] for r in cloud.results] == ["placed"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{home}/api/status", timeout=2)


def test_upstox_logs_in_through_its_dialog(ui: tuple[TestClient, UiState], manual: Agent):
    """The dialog's code comes back to the UI's callback with the state it was given and is
    exchanged here with the secret; the session is saved and the broker loaded."""
    client, state = ui
    app = create_upstox()
    with serve(app) as root, httpx.Client(timeout=5) as http:
        state.config.upstox_api_key, state.config.upstox_api_secret = "up-key", "up-secret"
        state.config.upstox_root = root
        start = client.post("/api/brokers/upstox/login", json={}, headers=SAME).json()
        dialog = http.get(start["url"])  # the fake approves at once
        back = dialog.headers["location"]
        assert back.startswith(f"{HOME}/brokers/upstox/callback?")
        done = client.get(back.removeprefix(HOME), follow_redirects=False)
    assert done.headers["location"] == "/#/brokers?broker=upstox&login=ok"
    assert load(state.config_path).upstox_access_token
    assert "upstox" in manual.brokers
    replay = client.get(back.removeprefix(HOME), follow_redirects=False)  # the state is spent
    assert replay.headers["location"] == "/#/brokers?broker=upstox&login=unknown"
    # Groww logs in by its key flow (test_groww_login), once it has a key and secret
    groww = client.post("/api/brokers/groww/login", json={}, headers=SAME)
    assert groww.status_code == 422
    assert groww.json()["detail"] == "broker: Groww has no API key and secret in the settings"
    assert client.post("/api/brokers/nobody/login", json={}, headers=SAME).status_code == 404


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"speed": 1}, "speed: not a setting the agent UI changes"),
        ({"auto_execute": "yes"}, "auto_execute: true or false"),
        ({"poll_interval": 7.5}, "poll_interval: whole seconds"),
        ({"ignore_symbols": "RELIANCE"}, "ignore_symbols: a list of symbols"),
        ({"ignore_symbols": ["NSE:"]}, "ignore_symbols: 'NSE:' is not a symbol like NSE:RELIANCE"),
        ({"ignore_symbols": [" "]}, "ignore_symbols: an empty symbol"),
        ({"credentials": []}, "credentials: an object"),
        ({"credentials": {"zerodha_api_key": "k"}}, "credentials.zerodha_api_key: not a broker's"),
        ({"credentials": {"kite_api_key": ""}}, "credentials.kite_api_key: a non-empty string"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    ui: tuple[TestClient, UiState], body: dict[str, Any], detail: str
):
    client, state = ui
    before = state.config_path.read_text()
    answer = client.put("/api/settings", json=body, headers=SAME)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(detail)
    assert state.config_path.read_text() == before


def test_a_body_that_is_not_a_json_object_is_a_422(ui: tuple[TestClient, UiState]):
    client, _ = ui
    headers = {**SAME, "Content-Type": "application/json"}
    assert client.put("/api/settings", content="[1]", headers=headers).status_code == 422
    assert client.put("/api/settings", content="{", headers=headers).status_code == 422
    assert client.post("/api/signals/x/approve", json={}, headers=SAME).status_code == 422
    assert client.get("/api/nothing-here").status_code == 404


def test_the_pages_reads(ui: tuple[TestClient, UiState], manual: Agent):
    client, _ = ui
    brokers = {b["broker"]: b for b in client.get("/api/brokers").json()["brokers"]}
    assert brokers["kite"]["state"] == "connected"
    assert brokers["kite"]["primary"]
    assert brokers["groww"]["state"] == "not-configured"
    assert client.get("/api/positions").json() == {"positions": [], "trouble": []}
    settings = client.get("/api/settings").json()
    assert settings["pin_set"] is False
    assert settings["credentials"]["kite"] == {"api_key_set": True, "api_secret_set": True}
    assert "kite_api_secret" not in str(settings)
    assert client.get("/api/session").json()["authenticated"] is True
    status = client.get("/api/status").json()
    assert (status["waiting"], status["auto_execute"], status["kill_switch"]) == (1, False, None)


def test_a_broker_that_fails_is_said_not_raised(
    ui: tuple[TestClient, UiState], manual: Agent, agents: Agents
):
    client, state = ui
    state.views.reads.forget()
    agents.fake.control("expire-sessions")
    body = client.get("/api/dashboard").json()
    assert body["trouble"][0]["broker"] == "kite"
    assert body["trouble"][0]["message"].startswith("Broker not connected")


def test_mutual_funds_say_why_when_the_cloud_does_not_answer_them(
    ui: tuple[TestClient, UiState],
):
    """The funds themselves come from the real cloud (test_uploads): CAS figures are never
    scaled (a PDF the agent cannot scale), so the page shows them as the cloud values them."""
    client, _ = ui
    page = client.get("/api/mutual-funds").json()  # this fake cloud has no such route
    assert (page["available"], page["funds"]) == (False, [])
    assert "/api/agent/mutual-funds" in page["problem"]


def test_an_upload_goes_scaled_with_the_fingerprint_when_obfuscation_is_on(
    ui: tuple[TestClient, UiState], manual: Agent, cloud: FakeCloud
):
    client, _ = ui
    cloud.obfuscate = True
    manual.cycle()
    book = zerodha_csv([Fill("INFY", "2025-06-02", "buy", 1000, "1500", "T1", "1")])
    body = {"kind": "tradebook", "filename": "tb.csv", "content_base64": b64encode(book).decode()}

    done = client.post("/api/uploads", json=body, headers=SAME)

    assert done.status_code == 200, done.text
    (sent,) = cloud.uploads
    assert (sent["obfuscated"], sent["filename"]) == ("true", "tb.csv")
    config = manual.config
    fingerprint = obfuscation.fingerprint(config.obfuscation_factor, config.obfuscation_salt)
    assert sent["factor_fingerprint"] == fingerprint
    assert b"137," in sent["content"]  # 1000 × 0.137
    assert b"1000" not in sent["content"]
    assert done.json()["report"]["status"] == "imported"
    assert client.get("/api/uploads").json()["uploads"] == [done.json()]


def test_the_page_is_served_with_no_framing(ui: tuple[TestClient, UiState]):
    client, _ = ui
    page = client.get("/")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_logging_out_and_clearing_the_pin(ui: tuple[TestClient, UiState]):
    client, state = ui
    assert client.put("/api/pin", json={"pin": "246813"}, headers=SAME).status_code == 200
    assert client.get("/api/status").status_code == 200  # the browser that set it stays in
    assert client.request("DELETE", "/api/session", json={}, headers=SAME).status_code == 200
    assert client.get("/api/status").status_code == 401
    assert client.post("/api/session", json={"pin": "246813"}, headers=SAME).status_code == 200
    assert client.put("/api/pin", json={"pin": None}, headers=SAME).json() == {
        "pin_required": False
    }
    assert load(state.config_path).ui_pin_hash == ""
    assert state.sessions.tokens == set()


def test_a_port_in_use_leaves_the_agent_headless(manual: Agent, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        manual.config.ui_host, manual.config.ui_port = "127.0.0.1", taken.getsockname()[1]
        lines: list[str] = []
        assert start_ui(manual, tmp_path / "agent.json", say=lines.append) is None
    assert lines[0].startswith("[agent] Local UI not started: cannot listen on 127.0.0.1:")
    manual.config.ui_port = 0
    assert start_ui(manual, tmp_path / "agent.json", say=lines.append) is None
    assert lines[1] == "[agent] Local UI: off (ui_port is 0)"


def test_reconciliation_says_no_broker_is_connected_until_one_answers(
    agents: Agents, tmp_path: Path
):
    agent = agents.new()
    kite = agent.brokers.pop("kite")  # as a fresh install: no Kite session yet
    path = tmp_path / "agent.json"
    save(agent.config, path)
    state = UiState(agent, path, security.HostCheck.for_machine([], hostname="trader-pi"))

    def reconciliation() -> tuple[str, list[Any]]:
        status = client.get("/api/dashboard").json()["status"]
        return status["reconciliation"], status["drift"]

    with TestClient(create_app(state), base_url=HOME) as client:
        assert reconciliation() == ("no-broker", [])  # before the first poll
        agent.cycle()
        assert reconciliation() == ("no-broker", [])  # a poll compared nothing
        agent.brokers["kite"] = kite  # logged in
        assert reconciliation() == ("pending", [])
        agent.cycle()
        assert reconciliation() == ("checked", [])  # the fake Kite holds nothing, as expected
        agent.brokers["kite"] = kite_at(agents.fake, "not-a-token")  # its session died
        agent.cycle()
        assert reconciliation() == ("no-broker", [])


def test_an_install_without_the_ui_says_the_two_commands_that_build_it(
    ui: tuple[TestClient, UiState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from tradertape_agent.ui import app as ui_app

    client, _ = ui
    monkeypatch.setattr(ui_app, "STATIC", tmp_path)  # a wheel built from a clean clone
    answer = client.get("/")
    assert answer.status_code == 503
    assert "make web-agent" in answer.text
    assert 'pip install --force-reinstall --no-deps "./agent"' in answer.text


class CountingKite:
    """The loaded Kite adapter, counting what the UI asks of it (its answers are Kite's)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("holdings", "positions", "margins"):
            self.asked.append(name)
        return getattr(self.adapter, name)


def test_broker_reads_are_cached_for_eight_seconds_then_read_again(
    ui: tuple[TestClient, UiState], manual: Agent, fake: Fake
):
    """Seed 000: "The agent caches results for 5–10 seconds" (8 s, `views.CACHE_SECS`), so
    opening pages does not spend Kite's rate limit. Within 8 s of a read the pages show that
    read and Kite is not asked again; from the 8th second on, the broker's new figures."""
    client, state = ui
    counting = CountingKite(manual.brokers["kite"])
    manual.brokers["kite"] = counting
    seconds = [1000.0]
    state.views.reads.monotonic = lambda: seconds[0]

    assert client.get("/api/holdings").json()["holdings"] == []
    client.get("/api/dashboard")  # holdings (cached), positions and margins: one read each
    client.get("/api/positions")
    assert sorted(counting.asked) == ["holdings", "margins", "positions"]

    fake.kite.book.add_holding("NSE:INFY", 10, Decimal("1480"))  # bought on Kite meanwhile
    seconds[0] += 7.9
    assert client.get("/api/holdings").json()["holdings"] == []  # the cached read
    assert sorted(counting.asked) == ["holdings", "margins", "positions"]

    seconds[0] += 0.1  # 8 s after the first read
    [row] = client.get("/api/holdings").json()["holdings"]
    assert (row["symbol"], row["quantity"], row["invested"]) == ("NSE:INFY", 10, "14800.00")
    assert counting.asked.count("holdings") == 2
