"""Where TraderTape keeps its data: one name for `settings` and for the console script's
launcher, and the folder read without pydantic for the commands that need nothing else of
the settings (importing them costs a fresh `tradertape backtest` ~0.1 s of its start)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

#: The data folder's default, before ``~`` is expanded (``TRADERTAPE_DATA_DIR`` moves it).
DEFAULT_DATA_DIR = "~/.tradertape"
_VARIABLE = "tradertape_data_dir"  # as the settings match it: in any case
_DOTENV = ".env"  # the settings' env_file, in the working folder


def named() -> list[str]:
    """The values ``TRADERTAPE_DATA_DIR`` has in the environment, its name matched in any
    case as the settings match it (one, as a rule)."""
    return [value for key, value in os.environ.items() if key.lower() == _VARIABLE]


def data_dir() -> Path:
    """``Settings().data_dir``: read here when only the environment can name it (one
    non-empty ``TRADERTAPE_DATA_DIR`` or none, no ``.env`` file in the working folder), else
    by the settings themselves, so both always agree."""
    from pathlib import Path

    given = named()
    if len(given) <= 1 and all(given) and not os.path.lexists(_DOTENV):
        return Path(given[0]) if given else Path(DEFAULT_DATA_DIR).expanduser()
    from tradertape.settings import Settings

    return Settings().data_dir
