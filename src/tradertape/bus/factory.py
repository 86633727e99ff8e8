"""Choosing the bus from the settings: Redis when a URL is configured, else in-process."""

from __future__ import annotations

from tradertape.bus.memory import InProcessBus
from tradertape.bus.namespace import installation_namespace
from tradertape.bus.redis_bus import RedisBus
from tradertape.ports.bus import EventBus
from tradertape.settings import Settings


def make_bus(settings: Settings) -> EventBus:
    """`RedisBus` when ``TRADERTAPE_REDIS_URL`` is set (processes share topics), else in-process.

    Its channels carry this installation's namespace (`bus.namespace`), so installations
    sharing a Redis never hear each other. Nothing connects here: Redis is reached on first
    use, inside the server's event loop.
    """
    if settings.redis_url:
        namespace = settings.redis_namespace or installation_namespace(
            settings.resolved_database_url
        )
        return RedisBus(settings.redis_url, namespace=namespace)
    return InProcessBus()
