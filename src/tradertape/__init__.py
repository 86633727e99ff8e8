"""TraderTape: a self-hosted algorithmic trading platform for Indian markets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tradertape")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

#: Bumped on every breaking change of the HTTP API; see docs/api-changelog.md.
API_VERSION = "1"

__all__ = ["API_VERSION", "__version__"]
