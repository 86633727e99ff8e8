"""TraderTape: a self-hosted algorithmic trading platform for Indian markets."""

from functools import cache

#: The installed distribution's version ("0.0.0+unknown" in a source tree never installed);
#: read on first use: `importlib.metadata` costs every CLI start ~50 ms (`tradertape --help`).
__version__: str

#: Bumped on every breaking change of the HTTP API; see docs/api-changelog.md.
API_VERSION = "1"

__all__ = ["API_VERSION", "__version__"]


@cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradertape")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
