"""Where TraderTape keeps its data when nothing says otherwise: one name for `settings`
and for the console script's launcher, which must start without importing pydantic."""

from __future__ import annotations

#: The data folder's default, before ``~`` is expanded (``TRADERTAPE_DATA_DIR`` moves it).
DEFAULT_DATA_DIR = "~/.tradertape"
