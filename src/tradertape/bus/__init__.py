"""Event bus backends behind `tradertape.ports.bus.EventBus`.

`InProcessBus` fans out in memory (one process, the laptop default); `RedisBus` carries the
same topics between processes through Redis pub/sub. `make_bus` picks one from the settings.
"""

from tradertape.bus.factory import make_bus
from tradertape.bus.memory import InProcessBus
from tradertape.bus.redis_bus import RedisBus

__all__ = ["InProcessBus", "RedisBus", "make_bus"]
