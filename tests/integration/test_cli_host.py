"""The CLI host: a backtest handed to a warm process prints, fails and exits as it does when
run alone; the host leaves when told, when idle, and when a file it loaded changes; its
socket lives only in a folder private to the user.

Each case runs the real console entry (`tradertape.launch`) and the real host in fresh
processes, on a data folder of synthetic candles."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tradertape import launch
from tradertape.cli.host import Fingerprint

RUN = ["backtest", "--strategy", "v1_momentum", "--universe", "nifty_50"]
RUN += ["--from", "2023-01-01", "--to", "2023-12-31", "--json"]
WAIT_S = 120.0  # a host's start loads every kernel (compiles them, on a cold cache)


@dataclass
class Desk:
    """A data folder, a private runtime folder and the environment that points at both."""

    root: Path
    env: dict[str, str]

    def tradertape(self, *args: str, host: str = "on") -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - this interpreter, our own entry point
            [sys.executable, str(self.root / "tradertape"), *args],
            env={**self.env, "TRADERTAPE_CLI_HOST": host},
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=WAIT_S,
        )

    @property
    def folder(self) -> Path:
        return Path(self.env["XDG_RUNTIME_DIR"]) / f"tradertape-{os.getuid()}"

    def socket(self) -> Path:
        code = "from tradertape.launch import host_socket; print(host_socket())"
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed line
            [sys.executable, "-c", code], env=self.env, capture_output=True, text=True, check=True
        )
        return Path(done.stdout.strip())

    def log(self) -> str:
        logs = list(self.folder.glob("host-*.log"))
        return logs[0].read_text() if logs else ""


@pytest.fixture
def desk(tmp_path: Path, nifty50_candles: Path) -> Iterator[Desk]:
    shutil.copytree(nifty50_candles, tmp_path / "candles")
    # the console script, as pip writes it (click names the program after its file)
    (tmp_path / "tradertape").write_text("from tradertape.launch import main\nmain()\n")
    run = Path(tempfile.mkdtemp(prefix="tt-", dir="/tmp"))  # noqa: S108 - a socket's path is short
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADERTAPE_")}
    env = {**environ, "TRADERTAPE_DATA_DIR": str(tmp_path), "XDG_RUNTIME_DIR": str(run)}
    desk = Desk(tmp_path, env | {"TRADERTAPE_FEED": "none", "COLUMNS": "100"})
    yield desk
    for lock in desk.folder.glob("host-*.sock.lock"):  # a host a run left: gone with the test
        with lock.open() as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live host holds it: the pid written is its own
                os.kill(int(lock.read_text()), signal.SIGKILL)
    shutil.rmtree(run, ignore_errors=True)


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, f"waited {WAIT_S:.0f} s for {what}"
        time.sleep(0.02)


@pytest.fixture
def host(desk: Desk) -> Iterator[subprocess.Popen[bytes]]:
    """A host started as `tradertape.launch` starts one, from a script of this test's own
    (a file it loaded, which the test may change)."""
    where = desk.socket()
    script = desk.root / "host_main.py"
    script.write_text("from tradertape.cli.host import main\nmain()\n")
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, str(script), str(where)], env=desk.env, start_new_session=True
    )
    _until(lambda: where.exists() or process.poll() is not None, "the host's socket")
    assert process.poll() is None, desk.log()
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def _without_timings(out: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(out)
    assert result.pop("timings_ms")
    return result


def test_a_hosted_backtest_prints_fails_and_exits_as_one_run_alone(
    desk: Desk, host: subprocess.Popen[bytes]
):
    alone = desk.tradertape(*RUN, host="off")
    hosted = desk.tradertape(*RUN)
    assert (alone.returncode, hosted.returncode) == (0, 0), hosted.stderr
    assert _without_timings(hosted.stdout) == _without_timings(alone.stdout)
    assert "ran backtest: exit 0" in desk.log()  # it was the host's child that ran it

    # a refused option: the same usage line (named `tradertape`), the same status
    bad = [desk.tradertape("backtest", "--bogus", host=h) for h in ("off", "on")]
    assert [b.returncode for b in bad] == [2, 2]
    assert "Usage: tradertape backtest" in bad[1].stderr
    assert bad[0].stderr == bad[1].stderr
    # an expected failure: one red line on stderr, exit 1, nothing on stdout
    unknown = ["backtest", "--strategy", "nope", "--from", "2023-01-01", "--to", "2023-12-31"]
    failed = [desk.tradertape(*unknown, host=h) for h in ("off", "on")]
    assert [(f.returncode, f.stdout) for f in failed] == [(1, ""), (1, "")]
    assert failed[0].stderr == failed[1].stderr
    assert "'nope' is not a built-in" in failed[1].stderr
    assert desk.log().count("ran backtest") == 3

    # files land in the caller's folder: --plot names a path relative to it
    assert desk.tradertape(*RUN, "--plot", "chart.png").returncode == 0
    assert (desk.root / "chart.png").stat().st_size > 1000

    host.send_signal(signal.SIGTERM)
    assert host.wait(timeout=WAIT_S) == 0
    assert not desk.socket().exists()
    assert "told to stop" in desk.log()


def test_a_changed_file_sends_the_command_back_and_the_host_leaves(
    desk: Desk, host: subprocess.Popen[bytes]
):
    script = desk.root / "host_main.py"
    later = script.stat().st_mtime_ns + 10**9
    os.utime(script, ns=(later, later))
    done = desk.tradertape(*RUN)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total_trades"] > 0  # run here instead
    assert host.wait(timeout=WAIT_S) == 0
    assert "refused a command: stale" in desk.log()
    assert "a loaded file changed" in desk.log()


def test_a_run_without_a_host_starts_one_which_leaves_when_idle(desk: Desk):
    desk.env["TRADERTAPE_CLI_HOST_IDLE_S"] = "0"
    done = desk.tradertape(*RUN)
    assert done.returncode == 0, done.stderr
    _until(lambda: "left" in desk.log(), "the host to start and leave")
    log = desk.log()
    assert "ready on" in log
    assert "idle: leaving" in log
    assert not desk.socket().exists()


def test_no_host_when_switched_off_or_for_a_light_command(desk: Desk):
    for args, host in ((RUN, "off"), (RUN, "false"), (["version"], "on")):
        assert desk.tradertape(*args, host=host).returncode == 0
    assert not list(desk.folder.glob("host-*"))


def test_the_socket_lives_only_in_a_folder_private_to_the_user(
    monkeypatch: pytest.MonkeyPatch,
):
    tmp_path = Path(tempfile.mkdtemp(prefix="tt-", dir="/tmp"))  # noqa: S108 - short, as in `desk`
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    where = launch.host_socket()
    assert where is not None
    folder = Path(where).parent
    assert folder.stat().st_mode & 0o777 == 0o700
    # numba's settings are read at import: another value needs a host of its own
    monkeypatch.setenv("NUMBA_OPT", "1")
    numba_opt = launch.host_socket()
    assert numba_opt not in {None, where}
    # each data folder has its own host: a run on a new folder never finds another's warm
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert launch.host_socket() not in {None, where, numba_opt}
    folder.chmod(0o755)  # opened to others: no host is trusted there
    assert launch.host_socket() is None
    assert launch.ask_host(str(folder / "none.sock"), RUN) is None  # nobody answers
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / ("x" * 100)))
    assert launch.host_socket() is None  # too long a path for a socket: run alone
    shutil.rmtree(tmp_path)


def test_a_fingerprint_sees_a_file_changed_resized_or_gone(tmp_path: Path):
    files = [tmp_path / name for name in ("a.py", "b.py")]
    for file in files:
        file.write_text("x = 1\n")
    seen = Fingerprint.of(map(str, files))
    assert not seen.changed()
    files[0].write_text("x = 12\n")
    assert seen.changed()
    seen = Fingerprint.of(map(str, files))
    files[1].unlink()
    assert seen.changed()


def test_the_console_script_decides_on_the_standard_library_alone():
    code = "import sys, tradertape.launch; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed line
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    ours = {m for m in done.stdout.split() if m.split(".")[0] == "tradertape"}
    assert ours == {"tradertape", "tradertape.launch", "tradertape.data_home"}
    heavy = {"typer", "click", "rich", "numpy", "numba", "pydantic"}
    assert not heavy & set(done.stdout.split())
