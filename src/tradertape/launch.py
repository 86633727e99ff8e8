"""The `tradertape` console script: a backtest goes to a warm CLI host when one is running.

A fresh Python process pays ~0.4 s importing numba, and more loading the backtest kernels,
before a run of a tenth of that. The CLI host (`tradertape.cli.host`) has paid it once and
forks a child per command. The child runs with this process's arguments, environment,
working directory, umask and terminal (stdin, stdout and stderr are passed over the
socket), and this process exits with the child's status; Ctrl-C is passed on to it.

Without a host the command runs here as always (a backtest on the kernels' ahead-of-time
builds where `make install` made them: `tradertape.jit.prefer_ahead`), then starts one in
the background for the next; the host leaves after ten idle minutes
(``TRADERTAPE_CLI_HOST_IDLE_S``), or at once when a file it loaded changes.
``TRADERTAPE_CLI_HOST=off`` runs every command here.

Only the standard library is imported before the choice is made: this module is the whole
cost of a hosted command's start.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import sys
from types import FrameType

from tradertape.data_home import DEFAULT_DATA_DIR, named

#: Commands worth a host: those that load numba's kernels. Everything else starts in well
#: under half a second on its own (`tests/integration/test_cli_imports.py`).
HOSTED = frozenset({"backtest"})

#: Environment read when modules are imported (numba's settings, Python's, the loader's):
#: the host's own must match the caller's, so they name the host. The rest is the child's.
IMPORT_TIME_ENV = ("NUMBA_", "PYTHON", "LD_")

#: What turns the host off: the words the settings' booleans read as false.
SWITCHED_OFF = frozenset({"off", "false", "0", "no", "n", "f"})
REPLY_BYTES = 4096
SOCKET_PATH_MAX = 108  # sun_path's size on Linux, its final NUL included
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> None:
    """Run the command in a host's child when one answers, else here (then start a host)."""
    where = host_socket() if _hostable(sys.argv[1:]) else None
    if where is not None:
        status = ask_host(where, sys.argv[1:])
        if status is not None:
            sys.exit(status)
    try:
        _run_here()
    finally:
        if where is not None:
            start_host(where)


def _hostable(args: list[str]) -> bool:
    wanted = os.environ.get("TRADERTAPE_CLI_HOST", "on").strip().lower() not in SWITCHED_OFF
    return wanted and bool(args) and args[0] in HOSTED


def _run_here() -> None:
    if sys.argv[1:2] and sys.argv[1] in HOSTED:  # kernels: their ahead-of-time builds, if any
        from tradertape.jit import prefer_ahead

        prefer_ahead()
    from tradertape.cli import main as cli_main

    cli_main()


def host_socket() -> str | None:
    """The socket of the host for this interpreter, import-time environment and data folder,
    in a folder only this user can enter; None when no such folder can be had, or its path
    is too long for a socket (then no host is used)."""
    uid = os.getuid()
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"  # noqa: S108 - a private folder is made inside and checked
    folder = os.path.join(base, f"tradertape-{uid}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != uid or found.st_mode & 0o077:
        return None  # someone else's, or open to others: never trust a socket in it
    named = sorted((k, v) for k, v in os.environ.items() if k.startswith(IMPORT_TIME_ENV))
    key = json.dumps([sys.executable, os.path.dirname(__file__), named, data_folder()])
    where = os.path.join(folder, f"host-{hashlib.sha256(key.encode()).hexdigest()[:16]}.sock")
    return where if len(os.fsencode(where)) < SOCKET_PATH_MAX else None


def data_folder() -> str:
    """The data folder a command would use (``TRADERTAPE_DATA_DIR``, else the default),
    absolute: each has a host of its own, so a run on a new folder (a benchmark's "fresh"
    process among them) never lands in a host another folder's runs warmed."""
    given = next(iter(named()), "") or DEFAULT_DATA_DIR  # the variable as the settings read it
    return os.path.abspath(os.path.expanduser(given))


def ask_host(where: str, args: list[str]) -> int | None:
    """The command's exit status from a host's child; None when no host took it (none
    running, or one about to leave because its code changed), so it runs here."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with conn:
        try:
            conn.connect(where)
        except OSError:
            return None
        request = {"argv": args, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
        streams = [_open_fd(fd) for fd in (0, 1, 2)]
        try:
            socket.send_fds(conn, [json.dumps(request).encode()], streams)
            started = conn.recv(REPLY_BYTES)
        except OSError:
            return None
        finally:
            for fd, given in zip(streams, (0, 1, 2), strict=True):
                if fd != given:
                    os.close(fd)
        if not started:
            return None
        child = int(json.loads(started)["pid"])
        _forward_signals(child)
        ended = conn.recv(REPLY_BYTES)
    if not ended:
        print("tradertape: the CLI host stopped during the command", file=sys.stderr)
        return 1
    code = int(json.loads(ended)["status"])
    return 128 - code if code < 0 else code  # killed by a signal: as a shell reports it


def start_host(where: str) -> None:
    """Start a host in the background, detached from this terminal and session.

    ``-P``: the folder it starts in is not put on its import path (as `-m` would), and it
    starts in ``/``, holding no caller's folder open; each child moves to its caller's.
    """
    import subprocess

    subprocess.Popen(  # noqa: S603 - this interpreter and our own module
        [sys.executable, "-P", "-m", "tradertape.cli.host", where],
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _open_fd(fd: int) -> int:
    """The descriptor to hand over for stream `fd`: itself, or /dev/null when it is closed."""
    try:
        os.fstat(fd)
    except OSError:
        return os.open(os.devnull, os.O_RDWR)
    return fd


def _forward_signals(child: int) -> None:
    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
