"""The CLI as a user meets it: the configure wizard through stdin, the settings file's mode,
a wrong key, reset, status and the service files."""

from __future__ import annotations

import json
import os
import re
import select
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.agent.cloud_kit import KEY, FakeCloud
from tests.serving import serve
from tradertape_agent import cli
from tradertape_agent.cloud import Cloud, CloudAuthError
from tradertape_agent.config import CONFIG_ENV, Config, ConfigError, journal_path, load, save
from tradertape_agent.journal import Journal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(cloud: FakeCloud) -> Iterator[str]:
    with serve(cloud.asgi()) as url:
        yield url


def agent_cli(
    args: list[str], config: Path, stdin: str = "", shadow: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI as its own process; `shadow` is put first on the path (a module there
    stands in for, or blocks, an installed one)."""
    folders = [str(ROOT / p) for p in ("agent/src", "brokers/python/src")]
    path = os.pathsep.join([str(shadow), *folders] if shadow else folders)
    env = {**os.environ, CONFIG_ENV: str(config), "PYTHONPATH": path}
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "tradertape_agent.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_wizard_driven_through_stdin_checks_answers_and_writes_mode_600(
    served: str, tmp_path: Path
):
    path = tmp_path / "agent.json"
    answers = [
        "ftp://nowhere",  # refused: not a URL
        served,
        "abc",  # refused: not a zt_ key
        "zt_wrong",  # the cloud refuses it: asked again from the URL
        "",  # the URL kept
        KEY,
        "kite",
        "kk",
        "ks",
        "y",
        "4",
        "60",
        "",  # the obfuscation factor: one is made
    ]
    done = agent_cli(["configure"], path, "\n".join(answers) + "\n")

    assert done.returncode == 0, done.stderr
    assert "starts with http" in done.stdout
    assert "starts with zt_" in done.stdout
    assert "Cloud authentication failed" in done.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert (data["cloud_url"], data["api_key"], data["primary_broker"]) == (served, KEY, "kite")
    assert (data["kite_api_key"], data["kite_api_secret"]) == ("kk", "ks")
    assert (data["auto_execute"], data["stop_loss_pct"], data["poll_interval"]) == (True, 4, 60)
    assert 0.1 <= float(data["obfuscation_factor"]) < 1

    again = agent_cli(["configure"], path, "\n" * 12)  # re-run: every default kept
    assert again.returncode == 0, again.stderr
    assert json.loads(path.read_text()) == data


def test_run_refuses_settings_others_can_read(tmp_path: Path):
    path = tmp_path / "agent.json"
    save(Config(api_key=KEY, kite_api_key="k", kite_api_secret="s"), path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load(path)
    done = agent_cli(["run", "--once"], path)
    assert done.returncode == 2
    assert "chmod 600" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_key_is_cloud_authentication_failed_not_a_traceback(served: str, tmp_path: Path):
    path = tmp_path / "agent.json"
    save(
        Config(cloud_url=served, api_key="zt_revoked", kite_api_key="k", kite_api_secret="s"), path
    )
    done = agent_cli(["run", "--once"], path)
    assert done.returncode == 2
    assert "Cloud authentication failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_prints_the_start_up_lines_and_polls(served: str, tmp_path: Path, cloud: FakeCloud):
    path = tmp_path / "agent.json"
    save(Config(cloud_url=served, api_key=KEY, kite_api_key="k", kite_api_secret="s"), path)
    done = agent_cli(["run", "--once"], path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[agent] Starting tradertape-agent v")
    assert f"[agent] Cloud URL: {served}" in lines
    assert "[agent] Primary broker: kite" in lines
    assert any(line.startswith("[agent] Broker not connected: kite") for line in lines)
    assert "[agent] Health: cloud=ok broker=not-connected poll=30s" in lines
    assert "[agent] poll: 0 new signals" in lines
    assert cloud.polls == 1


def test_reset_keeps_the_factor_unless_told(tmp_path: Path, capsys):
    path = tmp_path / "agent.json"
    save(Config(api_key=KEY, obfuscation_factor="0.271", obfuscation_salt="ab"), path)
    assert cli.reset(path, yes=False, forget_factor=False, ask=lambda _q: "n") == 1
    assert load(path).api_key == KEY

    assert cli.reset(path, yes=False, forget_factor=False, ask=lambda _q: "y") == 0
    kept = load(path)
    assert (kept.api_key, kept.obfuscation_factor, kept.obfuscation_salt) == ("", "0.271", "ab")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    assert cli.reset(path, yes=True, forget_factor=True) == 0
    assert not path.exists()


def test_status_prints_the_cloud_the_brokers_and_the_last_poll(tmp_path: Path):
    path = tmp_path / "agent.json"
    save(Config(api_key=KEY, kite_api_key="k", kite_api_secret="s", kite_access_token="t"), path)
    done = agent_cli(["status"], path)
    assert done.returncode == 0
    assert "Cloud URL: https://tradertape.com" in done.stdout
    assert "Broker kite: configured, session saved" in done.stdout
    assert "Last poll: never" in done.stdout


def test_status_tells_each_brokers_session_and_the_drift(tmp_path: Path):
    path = tmp_path / "agent.json"
    config = Config(
        api_key=KEY,
        kite_api_key="k",
        kite_api_secret="s",
        upstox_api_key="u",
        upstox_api_secret="s",
        groww_api_key="g",
        groww_api_secret="s",
        ui_port=0,
    )
    now = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    config.keep_session("kite", "t", now + timedelta(hours=14, minutes=30))  # 06:00 IST, 3rd
    config.keep_session("upstox", "t", now - timedelta(hours=1))
    save(config, path)
    journal = Journal(journal_path(path))
    journal.set_fact("last_poll", now.isoformat())
    journal.set_fact("last_result", "signal 7 entry filled")
    journal.set_fact("drift", "drift NSE:INFY: cloud=0 broker=7 (bought outside TraderTape)")
    journal.set_fact("drift_count", "1")
    journal.close()
    said: list[str] = []

    assert cli.status(path, said.append, now=now) == 0

    text = "\n".join(said)
    assert "Broker kite: configured, logged in, session saved until 03 Jun 2025 06:00 IST" in text
    assert "Broker upstox: configured, session expired 02 Jun 2025 14:30 IST: log in again" in text
    assert "Broker groww: configured, not logged in (its key and secret make a session" in text
    assert "Local UI: off" in text
    assert "Last result: signal 7 entry filled" in text
    assert "Drift: 1 symbol(s)\n  drift NSE:INFY: cloud=0 broker=7" in text


def test_service_prints_the_unit_and_the_plist_filled_in(tmp_path: Path):
    unit = agent_cli(["service", "--systemd"], tmp_path / "a.json")
    assert "ExecStart=" in unit.stdout
    assert "Restart=always" in unit.stdout
    assert "User=you" not in unit.stdout
    assert "User=" in unit.stdout
    plist = agent_cli(["service", "--launchd"], tmp_path / "a.json")
    assert "<string>com.tradertape.agent</string>" in plist.stdout
    assert "/Users/you" not in plist.stdout


def test_the_cloud_client_says_cloud_authentication_failed(cloud: FakeCloud):
    client = Cloud("http://cloud.test", "zt_bad", transport=cloud.transport())
    with pytest.raises(CloudAuthError, match="Cloud authentication failed"):
        client.pending_signals()


def test_a_bare_install_with_kite_configured_says_install_the_kite_extra(
    served: str, tmp_path: Path
):
    """No kiteconnect (a bare ``pip install ./agent``): one line saying what to install,
    from the clone (the name `tradertape-agent` is on no index: whoever registered it there
    would be installed), no ModuleNotFoundError traceback; the agent still runs."""
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "kiteconnect.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'kiteconnect'\", name='kiteconnect')\n"
    )
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url=served, api_key=KEY, kite_api_key="k", kite_api_secret="s",
        kite_access_token="t",
    )  # fmt: skip
    save(config, path)

    done = agent_cli(["run", "--once"], path, shadow=bare)

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "ModuleNotFoundError" not in done.stdout + done.stderr
    assert (
        "[agent] kite is configured but its SDK is not installed: install the [kite] extra "
        'from your clone of TraderTape, pip install "./agent[kite]" (or pip install '
        '"./agent[all]"), then restart'
    ) in done.stdout.splitlines()
    assert "tradertape-agent[" not in done.stdout + done.stderr


def test_the_log_reaches_a_pipe_line_by_line_without_pythonunbuffered(served: str, tmp_path: Path):
    """As under systemd or launchd: stdout is a pipe and PYTHONUNBUFFERED is not set; the
    start-up lines arrive while the agent runs, not when its buffer fills."""
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url=served, api_key=KEY, kite_api_key="k", kite_api_secret="s", poll_interval=3600,
        ui_port=0,
    )  # fmt: skip
    save(config, path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env |= {
        CONFIG_ENV: str(path),
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("agent/src", "brokers/python/src")),
    }
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "tradertape_agent.cli", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        # a line arrives within the deadline only if the agent flushed it (it runs on)
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no line reached the pipe in 30 s: the log is block buffered"
        first = process.stdout.readline()
        assert first.startswith("[agent] Starting tradertape-agent v")
        assert process.poll() is None  # still running: it flushed that line, not its exit
    finally:
        process.kill()
        process.communicate(timeout=30)


def test_the_unit_and_the_plist_set_pythonunbuffered(tmp_path: Path):
    unit = agent_cli(["service", "--systemd"], tmp_path / "a.json")
    assert "Environment=PYTHONUNBUFFERED=1" in unit.stdout.splitlines()
    plist = agent_cli(["service", "--launchd"], tmp_path / "a.json")
    assert "<key>PYTHONUNBUFFERED</key><string>1</string>" in plist.stdout


#: An install by the distribution's name: ``pip install tradertape-agent``, quoted or not.
BY_NAME = re.compile(r"""pip install ([^\s&;|#]+ )*["']?tradertape-agent""")


def test_no_message_of_the_agent_tells_a_user_to_install_it_by_an_unpublished_name():
    """`tradertape-agent` is published on no index (anyone could register the name): every
    install the agent's messages name is the clone's ``./agent`` (agent/README.md)."""
    from tradertape_agent import sessions
    from tradertape_agent.ui import app

    for words in (sessions.missing_extra("kite"), sessions.missing_extra("all"), app.NOT_BUILT):
        assert 'pip install "./agent' in words or '"./agent"' in words
    sources = sorted((ROOT / "agent" / "src").rglob("*.py"))
    assert len(sources) > 10
    for caught in (
        "pip install 'tradertape-agent[kite]'",
        'pip install --find-links dist "tradertape-agent"',
    ):
        assert BY_NAME.search(caught)
    assert not BY_NAME.search('pip install "./agent[kite]" && tradertape-agent configure')
    assert [str(p) for p in sources if BY_NAME.search(p.read_text())] == []
    assert not BY_NAME.search((ROOT / "agent" / "README.md").read_text())
