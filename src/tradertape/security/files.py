"""The data folder is private: files 0600 and folders 0700 (nothing for the group or others),
whatever existed.

The folder holds the SQLite database (e-mails, password hashes, the books), its WAL, the
candles, imported calendars and usually the server's secret key. A folder made by hand or by
an older version may be 0755 with files 0644, readable by every local user; the process's
umask decides what new files get. So the server sets a private umask for everything it
creates and repairs what is already there once per process.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("tradertape.security")

PRIVATE_UMASK = 0o077
_OTHERS = 0o077  # the group's and everyone else's bits

_repaired: set[Path] = set()


def _tighten(path: Path) -> None:
    """Take away what the group and others may do; what the owner may do stays (a program
    kept in the folder, a virtual environment's interpreter, stays runnable)."""
    current = stat.S_IMODE(path.lstat().st_mode)
    if current & _OTHERS:
        path.chmod(current & ~_OTHERS)


def private_folder(folder: Path) -> Path:
    """Create `folder` if missing; make it and everything below it private; set the process's
    umask so what it creates from now on is private too. Returns the resolved folder."""
    os.umask(PRIVATE_UMASK)
    folder = folder.expanduser()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    resolved = folder.resolve()
    if resolved in _repaired:
        return folder
    _tighten(resolved)
    for root, dirs, files in os.walk(resolved):
        base = Path(root)
        for name in dirs:
            if not (base / name).is_symlink():
                _tighten(base / name)
        for name in files:
            if not (base / name).is_symlink():
                _tighten(base / name)
    _repaired.add(resolved)
    return folder


def private_file(path: Path) -> None:
    """Make an existing file (a key kept outside the data folder) readable by its owner only;
    a file we may not change (a read-only secrets mount, another owner's) is left, with a
    warning."""
    os.umask(PRIVATE_UMASK)
    try:
        _tighten(path)
    except OSError as exc:
        log.warning("could not make %s private (%s)", path, exc.strerror)
