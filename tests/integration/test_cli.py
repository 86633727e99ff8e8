"""The `tradertape` command against a real SQLite data folder."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.cli import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_db_upgrade_creates_the_database_and_secret(data_dir: Path):
    assert (data_dir / "tradertape.db").exists()
    assert (data_dir / "secret.key").exists()
    from alembic.script import ScriptDirectory

    from tradertape.db.migrate import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert f"database at revision {head}" in _ok(["db", "upgrade"])


def test_user_create_and_duplicate(data_dir: Path):
    assert "no users yet: `tradertape user create --email EMAIL`" in _ok(["user", "list"])
    assert "created user 1 ops@x.in (admin)" in _ok(
        ["user", "create", "--email", "Ops@X.in", "--password", "longenough1", "--admin"]
    )
    again = runner.invoke(app, ["user", "create", "--email", "ops@x.in"])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert "ops@x.in" in _ok(["user", "list"])


def test_user_create_opens_a_funded_paper_account(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    from tradertape.cli.common import build_runtime
    from tradertape.oms.context import BROKER
    from tradertape.oms.positions import cash_balance

    created = _ok(["user", "create", "--email", "a@x.in"])
    assert "paper account opened with ₹10,00,000.00" in created
    monkeypatch.setenv("TRADERTAPE_PAPER_OPENING_BALANCE", "50000")
    assert "opened with ₹50,000.00" in _ok(["user", "create", "--email", "b@x.in"])
    monkeypatch.setenv("TRADERTAPE_PAPER_OPENING_BALANCE", "0")
    assert "paper account" not in _ok(["user", "create", "--email", "c@x.in"])
    runtime = build_runtime()
    with runtime.db.session() as db:
        cash = [cash_balance(db, user_id=n, broker=BROKER) for n in (1, 2, 3)]
    assert cash == [Decimal(1_000_000), Decimal(50_000), Decimal(0)]
    topped = _ok(["user", "deposit", "--email", "c@x.in", "--amount", "2500.5"])
    assert "deposited ₹2,500.50; cash is now ₹2,500.50" in topped
    for bad in ("1.001", "abc", "-5", "١٢٣"):
        refused = runner.invoke(app, ["user", "deposit", "--email", "c@x.in", "--amount", bad])
        assert refused.exit_code == 1, bad
        assert "amount:" in refused.output, bad


def test_keys_lifecycle(data_dir: Path):
    _ok(["user", "create", "--email", "a@x.in"])
    created = _ok(["keys", "create", "--email", "a@x.in", "--name", "pi"])
    secret = created.split()[-1]
    assert secret.startswith("zt_")
    listed = _ok(["keys", "list", "--email", "a@x.in"])
    assert secret not in listed
    assert secret[:7] in listed
    assert "active" in listed
    _ok(["keys", "revoke", "1", "--email", "a@x.in"])
    assert "revoked" in _ok(["keys", "list", "--email", "a@x.in"])
    missing = runner.invoke(app, ["keys", "revoke", "9", "--email", "a@x.in"])
    assert missing.exit_code == 1
    assert "not found" in missing.output


def test_tokens_lifecycle(data_dir: Path):
    _ok(["user", "create", "--email", "a@x.in"])
    created = _ok(["tokens", "create", "--email", "a@x.in", "--name", "algo"])
    token_id = created.split()[1].rstrip(";")
    secret = created.split()[-1]
    assert token_id.startswith("worker_")
    assert secret.startswith("kwa_")
    rotated = _ok(["tokens", "regenerate", token_id, "--email", "a@x.in"]).split()[-1]
    assert rotated.startswith("kwa_")
    assert rotated != secret
    _ok(["tokens", "revoke", token_id, "--email", "a@x.in"])
    assert "revoked" in _ok(["tokens", "list", "--email", "a@x.in"])
    bad = runner.invoke(
        app, ["tokens", "create", "--email", "a@x.in", "--name", "x", "--scope", "nope"]
    )
    assert bad.exit_code == 1
    assert "account_scope" in bad.output


def test_unknown_user_is_a_clean_error(data_dir: Path):
    result = runner.invoke(app, ["keys", "list", "--email", "ghost@x.in"])
    assert result.exit_code == 1
    assert "no user with e-mail ghost@x.in" in result.output


def test_version():
    from tradertape import __version__

    assert __version__ in _ok(["version"])


def test_serving_address_becomes_the_link_base(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    from tradertape.cli.common import build_runtime

    monkeypatch.delenv("TRADERTAPE_PUBLIC_BASE_URL", raising=False)
    assert build_runtime(serving_at=("0.0.0.0", 8765)).settings.public_base_url == (  # noqa: S104
        "http://127.0.0.1:8765"
    )
    monkeypatch.setenv("TRADERTAPE_PUBLIC_BASE_URL", "https://trade.example.com")
    configured = build_runtime(serving_at=("0.0.0.0", 8765)).settings  # noqa: S104
    assert configured.public_base_url == "https://trade.example.com"


def test_outbox_prints_links_unwrapped(data_dir: Path):
    from tradertape.cli.common import build_runtime

    runtime = build_runtime()
    with runtime.db.session() as db:
        runtime.login.request_link(db, email="a@x.in", ip=None)
    output = _ok(["outbox", "--to", "a@x.in"])
    link = next(line for line in output.splitlines() if "#token=" in line)
    assert len(link.split("#token=")[1]) == 43  # the whole token on one line


def test_calendar_import_is_used_by_the_next_process(data_dir: Path):
    from datetime import date

    from tradertape.cli.common import build_runtime

    nse = data_dir / "holidays-2027.json"
    nse.write_text(
        '{"CM": [{"tradingDate": "26-Jan-2027", "description": "Republic Day"},'
        ' {"tradingDate": "22-Mar-2027", "description": "Holi"}]}'
    )
    imported = _ok(["calendar", "import", str(nse)])
    assert "imported 2 holidays for 2027" in imported
    assert "holidays known from 2005-01-01 to 2027-12-31" in imported
    assert (data_dir / "calendar" / "nse_holidays.csv").exists()
    runtime = build_runtime()
    for calendar in (runtime.exchange.calendar, runtime.candles.calendar):
        assert not calendar.is_trading_day(date(2027, 1, 26))
    assert "to 2027-12-31" in _ok(["calendar", "status"])

    bad = data_dir / "bad.csv"
    bad.write_text("Sr. No,Date,Day,Description\n1,26-Jan-2028,Wednesday,Republic Day\n2,x,,y\n")
    refused = runner.invoke(app, ["calendar", "import", str(bad)])
    assert refused.exit_code == 1
    assert "line 3: 'x' is not a date like 26-Jan-2027" in refused.output
    assert "Traceback" not in refused.output


def test_demo_on_a_port_in_use_fails_before_it_is_ready(data_dir: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["demo", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "demo is ready" not in result.output
    assert not (data_dir / "candles").exists()  # nothing was loaded either


def test_warm_up_readies_the_kernels_and_says_where_numba_keeps_them():
    from tradertape.backtest import kernel
    from tradertape.jit import cache_report

    said = " ".join(_ok(["warm-up"]).split())
    assert re.search(r"backtest kernels ready in [\d.]+ s: \d+ builds compiled, \d+ loaded", said)
    folders = cache_report().folders
    assert folders
    assert all(f"cache: {folder}" in said for folder in folders)
    if "NUMBA_CACHE_DIR" not in os.environ:  # numba's default: beside the kernel modules
        assert str(Path(kernel.__file__).parent / "__pycache__") in folders
    # every kernel the engine calls from Python now has a build in this process
    assert kernel.simulate.signatures  # type: ignore[attr-defined]
