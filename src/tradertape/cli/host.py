"""The CLI host: one warm process that runs `tradertape` commands in forked children.

`tradertape.launch` hands a command here when the host answers on its socket. The host
has imported the commands and loaded the backtest kernels once; a child forked per
command starts with all of it, takes the caller's streams, environment, working directory
and umask, runs the command and exits; the host reports the child's exit status.

The host runs no thread of its own (a fork copies one thread; a lock another held would
stay locked in the child forever; pyarrow's allocator keeps a thread, and readies itself
for a fork) and waits on the listener, a signal pipe and each child's pidfd in one loop.
It leaves when idle for ``TRADERTAPE_CLI_HOST_IDLE_S`` seconds (600), on SIGTERM once its
commands end, and as soon as a file it loaded changes on disk (an upgrade or an edit): the
caller then runs the command itself and starts a host of the new code. Only the owner
reaches the socket: its folder is private (`tradertape.launch.host_socket`) and each
caller's uid is checked.

    python -m tradertape.cli.host SOCKET
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

Log = Callable[[str], None]

IDLE_S = 600.0
REQUEST_BYTES = 1 << 20
LOCK_WAIT_S = 5.0
LOG_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What each loaded file was on disk (mtime and size) when the host loaded it."""

    files: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, paths: Iterable[str]) -> Fingerprint:
        seen = []
        for path in sorted(set(paths)):
            try:
                found = os.stat(path)
            except OSError:
                continue
            seen.append((path, found.st_mtime_ns, found.st_size))
        return cls(tuple(seen))

    @classmethod
    def loaded(cls) -> Fingerprint:
        """Every module file this process has imported."""
        files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
        return cls.of(f for f in files if isinstance(f, str))

    def changed(self) -> bool:
        """Whether any file differs from, or is gone since, when it was read."""
        for path, mtime, size in self.files:
            try:
                found = os.stat(path)
            except OSError:
                return True
            if (found.st_mtime_ns, found.st_size) != (mtime, size):
                return True
        return False


@dataclass(slots=True)
class _Child:
    pid: int
    caller: socket.socket
    command: str
    started: float = field(default_factory=time.monotonic)


def preload() -> None:
    """Import what a backtest command imports and load its kernels (compiling those not in
    numba's cache yet), so that a child starts with them."""
    import rich.progress
    import rich.table

    import tradertape.backtest.metrics
    import tradertape.backtest.request
    import tradertape.candles
    import tradertape.cli
    import tradertape.domain.money
    import tradertape.services.research.simulation
    import tradertape.settings
    import tradertape.strategies.builtins
    import tradertape.strategies.dsl
    from tradertape.backtest.warmup import warm_up

    del rich, tradertape  # imported for their side effect: loaded before any fork
    warm_up()


def serve(where: str, *, idle_s: float, log: Log) -> None:
    """Answer on `where` until idle for `idle_s` seconds or until the loaded code changes."""
    lock = _take_lock(where + ".lock")
    if lock is None:
        log("another host holds the lock: leaving")
        return
    with lock:
        preload()
        fingerprint = Fingerprint.loaded()
        listener = _listen(where)
        log(f"host {os.getpid()} ready on {where} ({len(fingerprint.files)} files watched)")
        try:
            _Loop(listener, fingerprint, log).run(idle_s)
        finally:
            _unlisten(listener, where)
    log(f"host {os.getpid()} left")


class _Loop:
    """The host's one thread: the listener, a signal pipe and each child's pidfd."""

    def __init__(self, listener: socket.socket, fingerprint: Fingerprint, log: Log) -> None:
        self.listener, self.fingerprint, self.log = listener, fingerprint, log
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, "listener")
        # SIGTERM: stop taking commands, let the running ones end
        self.told, self.wakeup = socket.socketpair()
        for end in (self.told, self.wakeup):
            end.setblocking(False)
        self.selector.register(self.told, selectors.EVENT_READ, "told")
        self.children: dict[int, _Child] = {}  # by pidfd
        self.listening = True

    def run(self, idle_s: float) -> None:
        signal.set_wakeup_fd(self.wakeup.fileno())
        signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
        idle_since = time.monotonic()
        while self.listening or self.children:
            timeout = None if self.children else max(0.0, idle_since + idle_s - time.monotonic())
            events = self.selector.select(timeout)
            if not events and not self.children:
                self.log("idle: leaving")
                break
            for key, _ in events:
                if key.data == "told":
                    self.selector.unregister(self.told)  # said once: it would wake every turn
                    self.stop_listening("told to stop")
                elif key.data == "listener" and self.listening:
                    self.take(self.listener.accept()[0])
                elif isinstance(key.data, _Child):
                    self.selector.unregister(key.fd)
                    os.close(key.fd)
                    _finish(self.children.pop(key.fd), self.log)
                    idle_since = time.monotonic()
        signal.set_wakeup_fd(-1)
        for own in (self.selector, self.told, self.wakeup):
            own.close()

    def take(self, caller: socket.socket) -> None:
        owned = (self.listener, self.selector, self.told, self.wakeup)
        child = _start(caller, owned, self.fingerprint, self.log)
        if child is not None:
            pidfd = os.pidfd_open(child.pid)
            self.children[pidfd] = child
            self.selector.register(pidfd, selectors.EVENT_READ, child)
        elif self.fingerprint.changed():
            self.stop_listening("a loaded file changed")

    def stop_listening(self, why: str) -> None:
        if self.listening:
            self.selector.unregister(self.listener)
            self.listening = False
            self.log(f"{why}: leaving once the running commands end")


def _start(
    caller: socket.socket,
    hosts: tuple[Any, ...],
    fingerprint: Fingerprint,
    log: Log,
) -> _Child | None:
    """Fork a child for the caller's command; None (the caller closed) when it cannot run
    here: another user, a bad request, or code that changed since the host loaded it.
    `hosts` are the host's own sockets and selector, which a child closes."""
    caller.settimeout(5.0)
    try:
        pid_uid_gid = caller.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        if struct.unpack("3i", pid_uid_gid)[1] != os.getuid():
            raise PermissionError("a caller of another user")
        message, fds, _, _ = socket.recv_fds(caller, REQUEST_BYTES, 3)
    except OSError as exc:
        log(f"refused a caller: {exc}")
        caller.close()
        return None
    try:
        request = _command(message, fds, fingerprint)
    except ValueError as exc:
        log(f"refused a command: {exc}")
        for fd in fds:
            os.close(fd)
        caller.close()
        return None
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        for own in (*hosts, caller):
            own.close()  # the host's listener, selector and signal pipe: not the command's
        _run_child(request, fds)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):  # the caller left: the child runs on, is reaped
        caller.sendall(json.dumps({"pid": pid}).encode())
    return _Child(pid, caller, " ".join(map(str, request["argv"][:1])))


def _command(message: bytes, fds: list[int], fingerprint: Fingerprint) -> dict[str, Any]:
    """The caller's request, if this host can run it (ValueError saying why not)."""
    request = json.loads(message)
    if not isinstance(request, dict) or not isinstance(request.get("argv"), list):
        raise ValueError("not a command")
    if len(fds) != 3:
        raise ValueError("without its three streams")
    if fingerprint.changed():
        raise ValueError("stale")
    return request


def _finish(child: _Child, log: Log) -> None:
    _, status = os.waitpid(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    took = time.monotonic() - child.started
    log(f"child {child.pid} ran {child.command}: exit {code} in {took:.3f} s")
    with contextlib.suppress(OSError):
        child.caller.sendall(json.dumps({"status": code}).encode())
    child.caller.close()


def _run_child(request: dict[str, Any], fds: list[int]) -> NoReturn:
    """Become the caller's command: its streams, environment, folder, umask and argv."""
    code = 1
    try:
        code = _become(request, fds)
    except BaseException:  # noqa: BLE001 - said on the caller's stderr, then exit 1
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def _become(request: dict[str, Any], fds: list[int]) -> int:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    _reopen_streams()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(int(request["umask"]))
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from tradertape.cli import app
    from tradertape.cli.common import attach_terminal

    attach_terminal()
    sys.argv = ["tradertape", *request["argv"]]
    # named, or click would read the name off this process's `python -m` start
    return _exit_code(lambda: app(prog_name="tradertape"))


def _exit_code(command: Callable[[], None]) -> int:
    try:
        command()
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        print(exit.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - a child must report, never return to the loop
        traceback.print_exc()
        return 1
    return 0


def _reopen_streams() -> None:
    """New stdin/stdout/stderr objects on descriptors 0-2, buffered as a fresh process
    would buffer them (line by line on a terminal)."""
    for name, fd, mode in (("stdin", 0, "r"), ("stdout", 1, "w"), ("stderr", 2, "w")):
        old = getattr(sys, name)
        tty = os.isatty(fd)
        errors = "backslashreplace" if name == "stderr" else old.errors
        stream = open(  # noqa: SIM115 - the process's own stream, for its whole life
            fd,
            mode,
            buffering=1 if tty and mode == "w" else -1,
            encoding=old.encoding,
            errors=errors,
            closefd=False,
        )
        setattr(sys, name, stream)


def _take_lock(path: str) -> Any | None:
    """An exclusive lock on `path` (one host per socket), waiting a few seconds for a host
    that is leaving; None when another holds it still."""
    handle = open(path, "a")  # noqa: SIM115 - held for the host's life
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                return None
            time.sleep(0.05)
            continue
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")  # for whoever would end it: kill $(cat SOCKET.lock)
        handle.flush()
        return handle


def _listen(where: str) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):  # a crashed host's: no live host has it
        os.unlink(where)  # (we hold the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    old = os.umask(0o177)
    try:
        listener.bind(where)
    finally:
        os.umask(old)
    listener.listen(64)
    return listener


def _unlisten(listener: socket.socket, where: str) -> None:
    listener.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(where)


def _logger(where: str) -> Log:
    path = Path(where).with_suffix(".log")
    if path.exists() and path.stat().st_size > LOG_BYTES:
        path.unlink()  # a line per command: kept to the last megabyte or so

    def log(line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with path.open("a") as out:
            out.write(f"{stamp} {line}\n")

    return log


def main() -> None:
    """`python -m tradertape.cli.host SOCKET` (started by `tradertape.launch`)."""
    where = sys.argv[1]
    idle_s = float(os.environ.get("TRADERTAPE_CLI_HOST_IDLE_S", IDLE_S))
    serve(where, idle_s=idle_s, log=_logger(where))


if __name__ == "__main__":
    main()
