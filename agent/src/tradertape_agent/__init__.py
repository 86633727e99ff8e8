"""TraderTape's local agent: polls the cloud for signals and places them at the broker."""

__version__ = "0.1.0"
