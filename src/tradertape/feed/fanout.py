"""Fan-out of bus ticks to WebSocket clients: one bus subscription per process, many clients.

The hub subscribes to ``ticks.*`` once and works in *batches*: the ticks it routes in one go
(a feed prints all its instruments at once) are rendered at most once per wanted mode, each as
a ready-made ``"KEY":{...}`` JSON fragment in UTF-8 bytes, never once per client, and only
when a client's frame first needs them (`Part`: a mode whose only clients have stopped
reading costs nothing, and a malformed message is skipped there). When the burst ends the
hub hands every client, in one step, the part of the batch it subscribes to: when the batch
carries every key wanted in that mode (a feed's full print), the client's own `picker`
(kept between bursts) takes its fragments in one C call and they are joined once, or once
for all the clients of one key set (one watchlist: identical frames); otherwise a set
intersection. The cost per client is a few C-level operations per batch, not a Python call
per tick, and its frame goes to the socket as header, constant head, body and tail in one
writev, never decoded or copied whole.

A client that is keeping up (nothing queued for it, its socket writable) gets its frame
written there and then, in the hub's loop over clients (`DirectWriter`, given by the server
when its WebSocket protocol allows it: `serving.ws_direct`): no task wakes per client per
burst, which on a busy two-core machine was what the last client of a burst waited for.

Otherwise (its socket's buffer full, a reply or an earlier frame still on its way) the batch
goes to the client's own bounded queue, sent by its own writer task as the socket drains.
Handing over never waits: a client that stops reading only fills its own queue, whose oldest
batches are then dropped and the ticks in them counted (the newest batch is always kept).
The writer coalesces what is pending: one ``ticks`` message with the latest tick per symbol
(latest value wins), so a client that falls behind catches up in one frame. Either way each
client gets its frames in the order the hub produced them, and its control replies (status,
subscribed, error) before any ticks that follow them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import operator
import secrets
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from decimal import InvalidOperation
from typing import Any, Protocol

from tradertape.feed.codec import TickMode, stream_json_of_message
from tradertape.ports.bus import EventBus, Subscription

log = logging.getLogger("tradertape.feed")

DEFAULT_CLIENT_QUEUE = 1000  # pending ticks per client
# Each hub tells the bus which keys its clients want (on change, and again every so often
# so a restarted leader learns them), for the prices only the leader derives (options).
INTEREST_TOPIC = "interest.ticks"
INTEREST_EVERY_S = 20.0
MAX_UNREAD_REPLIES = 256  # a client that sends without reading loses its oldest replies

Send = Callable[[str], Awaitable[None]]
Fragments = dict[str, bytes]  # key -> b'"KEY":{payload}' (UTF-8) for one mode
Pick = Callable[[Fragments], tuple[bytes, ...]]  # a client's fragments, in one C-level call
# A ticks frame is HEAD, the comma-joined fragments, TAIL: the body is joined once per
# client and handed to the socket between the two constants, never copied into a whole.
HEAD = b'{"type":"ticks","data":{'
TAIL = b"}}"


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def _fragment(key: str, message: dict[str, Any], mode: TickMode) -> bytes:
    return f"{json.dumps(key)}:{stream_json_of_message(message, mode)}".encode()


def picker(keys: Iterable[str]) -> Pick:
    """The fragments of `keys` from a batch's, as a tuple: `operator.itemgetter` looks them
    all up in C (a Python call per key through `map` cost a client as much as its join)."""
    wanted = tuple(keys)
    if len(wanted) == 1:  # itemgetter of one key returns the item, not a 1-tuple
        (key,) = wanted
        return lambda fragments: (fragments[key],)
    return operator.itemgetter(*wanted)


class Part:
    """One mode's ticks in one batch: the bus messages, rendered into fragments the first time
    a client's frame needs them, then shared by every client. Full mode (the order book)
    costs twice quote's to render, and in bench/ticks_fanout.py only clients that never read
    asked for it: rendered at routing time, it was a third of the hub's CPU per burst."""

    __slots__ = ("_bodies", "_fragments", "complete", "messages", "mode")

    def __init__(self, mode: TickMode, *, fragments: dict[str, str] | None = None) -> None:
        """An empty part to add messages to, or one made of `fragments` already rendered."""
        self.mode = mode
        self.messages: dict[str, dict[str, Any]] = dict.fromkeys(fragments or (), {})
        self._fragments: Fragments | None = None
        self._bodies: dict[frozenset[str], bytes] = {}  # of key sets several clients want
        if fragments is not None:
            self._fragments = {key: text.encode() for key, text in fragments.items()}
        self.complete = True  # every message rendered (none was malformed)

    @property
    def rendered(self) -> bool:
        """Whether a client's frame has needed these ticks yet."""
        return self._fragments is not None

    def fragments(self) -> Fragments:
        """The fragments by key, rendered on the first call; malformed messages left out."""
        if self._fragments is None:
            fragments: Fragments = {}
            for key, message in self.messages.items():
                try:
                    fragments[key] = _fragment(key, message, self.mode)
                except (KeyError, ValueError, TypeError, InvalidOperation):
                    log.warning("tick hub: skipping a malformed tick of %s", key, exc_info=True)
            self._fragments = fragments
            self.complete = len(fragments) == len(self.messages)
        return self._fragments

    def body(self, keys: Iterable[str], pick: Pick | None = None, *, shared: bool = False) -> bytes:
        """The ``"KEY":{...}`` members of `keys`, comma-separated (a ``data`` object's inside).

        `pick`, when given, is `picker` of the same keys (the client's own, kept between
        bursts); `shared` (then `keys` is a frozenset) says other clients want the very same
        set, so the body is joined once and kept for them (clients of one watchlist get
        identical frames). Unshared bodies are not kept: 500 of them held to the end of a
        burst made every join slower (out of the CPU's cache)."""
        fragments = self.fragments()
        if self.complete:
            if pick is not None:
                if shared and isinstance(keys, frozenset):
                    body = self._bodies.get(keys)
                    if body is None:
                        body = self._bodies[keys] = b",".join(pick(fragments))
                    return body
                return b",".join(pick(fragments))
            return b",".join(map(fragments.__getitem__, keys))  # C-level: no frame per tick
        return b",".join(fragments[key] for key in keys if key in fragments)


def _ticks_text(body: bytes) -> str:
    return (HEAD + body + TAIL).decode()


class DirectWriter(Protocol):
    """Writes a text frame to a client's socket without waiting, when the socket can take it."""

    def writable(self) -> bool:
        """Whether `write_text` may be called now (else the ASGI path waits its turn)."""
        ...

    def write_text(self, text: str) -> None:
        """Write one text frame now."""
        ...


class DirectBytesWriter(DirectWriter, Protocol):
    """A `DirectWriter` that also takes a frame's UTF-8 payload in pieces, sent as they are
    (no decode, no copy into one object: `serving.ws_direct` hands them to one writev)."""

    def write_utf8(self, chunks: tuple[bytes, ...]) -> None:
        """Write one text frame whose payload is `chunks` joined, now."""
        ...


class ClientChannel:
    """One client's outbox: control replies, and pending tick batches bounded in ticks."""

    def __init__(self, hub: TickHub, queue_size: int, direct: DirectWriter | None = None) -> None:
        self._hub = hub
        self._queue_size = queue_size
        self._direct = direct
        self._write: Callable[[tuple[bytes, ...]], None] | None = None
        if direct is not None:
            self._write = getattr(direct, "write_utf8", None) or self._write_decoded
        self._busy = False  # the writer task is sending (it took what was queued)
        self._control: deque[str] = deque(maxlen=MAX_UNREAD_REPLIES)
        self._batches: deque[tuple[Part, frozenset[str]]] = deque()
        self._pending = 0
        self._wake = asyncio.Event()
        self._reported_drops = 0
        self.modes: dict[str, TickMode] = {}
        self.keys_by_mode: dict[TickMode, set[str]] = {}
        self.pickers: dict[TickMode, tuple[frozenset[str], Pick]] = {}  # `TickHub._wanted`
        self.dropped = 0
        self.frames_sent = 0

    def _write_decoded(self, chunks: tuple[bytes, ...]) -> None:
        # A writer that takes only text (another server's, a test's).
        assert self._direct is not None
        self._direct.write_text(b"".join(chunks).decode())

    def deliver(
        self,
        part: Part,
        keys: frozenset[str] | set[str],
        pick: Pick | None = None,
        *,
        shared: bool = False,
    ) -> None:
        """Send the ticks of `keys` from one batch now when the client is keeping up (nothing
        queued or being sent, its socket writable), else queue them (`enqueue`). `pick` and
        `shared`: see `Part.body`."""
        direct = self._direct
        if (
            direct is not None
            and not self._busy
            and not self._batches
            and not self._control
            and self.dropped == self._reported_drops
            and direct.writable()
        ):
            body = part.body(keys, pick, shared=shared)
            if body:
                assert self._write is not None
                self._write((HEAD, body, TAIL))
                self.frames_sent += 1
            return
        self.enqueue(part, keys)

    def enqueue(self, part: Part, keys: frozenset[str] | set[str]) -> None:
        """Queue the ticks of `keys` from one batch for the writer task; drop the oldest
        batches beyond the bound."""
        keys = frozenset(keys)  # it may be the client's own set, which later subscribes change
        self._batches.append((part, keys))
        self._pending += len(keys)
        while self._pending > self._queue_size and len(self._batches) > 1:
            _, lost = self._batches.popleft()
            self._pending -= len(lost)
            self.dropped += len(lost)
            self._hub.dropped += len(lost)
        self._wake.set()

    def push(self, message: dict[str, Any]) -> None:
        """Queue a control message (status, subscribed, error); ticks never push these out."""
        self._control.append(_dumps(message))
        self._wake.set()

    def _ticks_frame(self) -> str | None:
        if not self._batches:
            return None
        if len(self._batches) == 1:
            part, keys = self._batches[0]
            body = part.body(keys)
        else:  # the latest tick per symbol across the pending batches, newest first
            latest: dict[str, bytes] = {}
            for part, keys in reversed(self._batches):
                fragments = part.fragments()
                for key in keys:
                    if key not in latest and key in fragments:
                        latest[key] = fragments[key]
            body = b",".join(latest.values())
        self._batches.clear()
        self._pending = 0
        return _ticks_text(body) if body else None  # nothing renderable: no empty frame

    async def pump(self, send: Send) -> None:
        """Send queued messages as they come, until cancelled (the connection's writer task)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._busy = True  # until all is sent, new batches queue behind (`deliver`)
            try:
                await self._send_pending(send)
            finally:
                self._busy = False

    async def _send_pending(self, send: Send) -> None:
        while self._control:
            await send(self._control.popleft())
        if self.dropped != self._reported_drops:
            # Tell the client it missed ticks, before the batch that follows the gap.
            self._reported_drops = self.dropped
            await send(_dumps({"type": "status", "connected": True, "dropped": self.dropped}))
        frame = self._ticks_frame()
        if frame is not None:
            await send(frame)
            self.frames_sent += 1


class TickHub:
    """Routes ``ticks.*`` bus messages to subscribed clients; remembers the last per key."""

    def __init__(
        self,
        bus: EventBus,
        *,
        queue_size: int = DEFAULT_CLIENT_QUEUE,
        interest_every_s: float = INTEREST_EVERY_S,
    ) -> None:
        self._bus = bus
        self.hub_id = secrets.token_hex(6)
        self._interest_every_s = interest_every_s
        self._announcing: set[asyncio.Task[None]] = set()
        self._queue_size = queue_size
        self._modes_of: dict[str, dict[TickMode, int]] = {}  # key -> mode -> subscribers
        self._keys_of: dict[TickMode, set[str]] = {}  # mode -> keys someone wants in it
        self._groups: dict[TickMode, Counter[frozenset[str]]] = {}  # see `_wanted`
        # The subscribed keys, swapped whole on each change so other threads read it safely.
        self.subscribed: frozenset[str] = frozenset()
        self._last: dict[str, dict[str, Any]] = {}
        self._channels: set[ClientChannel] = set()
        self._batch: dict[TickMode, Part] = {}
        self._flush_scheduled = False
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self.dropped = 0
        self.received = 0

    async def start(self) -> None:
        """Subscribe to the bus (once; later calls return at once)."""
        async with self._start_lock:
            if self._task is not None:
                return
            self._subscription = await self._bus.subscribe("ticks.*")
            self._task = asyncio.create_task(self._route(self._subscription), name="tick-hub")
            self._keep(self._announce_every())

    def interest(self) -> dict[str, Any]:
        """The bus message saying which keys this hub's clients want."""
        return {"hub": self.hub_id, "keys": sorted(self.subscribed)}

    async def announce(self) -> None:
        """Publish `interest` on ``interest.ticks``."""
        await self._bus.publish(INTEREST_TOPIC, self.interest())

    async def _announce_every(self) -> None:
        while True:
            await asyncio.sleep(self._interest_every_s)
            if self.subscribed:
                await self.announce()

    def _keep(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    def _interest_changed(self) -> None:
        before, self.subscribed = self.subscribed, frozenset(self._modes_of)
        if self._task is not None and before != self.subscribed:  # started: on the loop
            self._keep(self.announce())

    async def _route(self, subscription: Subscription) -> None:
        async for _topic, message in subscription:
            try:
                self.dispatch(message)
            except (KeyError, ValueError, TypeError, InvalidOperation):
                log.warning("tick hub: ignoring a malformed tick message", exc_info=True)

    def dispatch(self, message: dict[str, Any]) -> None:
        """Add one bus tick message to the current batch (sent when the burst ends)."""
        key = message["key"]
        self.received += 1
        self._last[key] = message
        modes = self._modes_of.get(key)
        if not modes:
            return
        batch = self._batch
        for mode in modes:
            part = batch.get(mode)
            if part is None:
                part = batch[mode] = Part(mode)
            part.messages[key] = message
        if not self._flush_scheduled:
            # Runs once this task yields, i.e. after every message already waiting is routed.
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Hand the current batch to every client subscribed to part of it."""
        batch, self._batch, self._flush_scheduled = self._batch, {}, False
        # Per mode, the keys a client gets: all of its own when the batch carries every key
        # wanted in that mode (a feed's full print), else the intersection (a set's with
        # another set walks the smaller one; with a dict's keys it copies them all first).
        parts: dict[TickMode, tuple[Part, frozenset[str] | None]] = {}
        for mode, part in batch.items():
            whole = part.messages.keys() >= self._keys_of.get(mode, set())
            parts[mode] = (part, None if whole else frozenset(part.messages))
        for channel in self._channels:
            for mode, keys in channel.keys_by_mode.items():
                found = parts.get(mode)
                if found is not None and keys:
                    part, carried = found
                    if carried is None:
                        frozen, pick = channel.pickers[mode]
                        shared = self._groups[mode][frozen] > 1
                        channel.deliver(part, frozen, pick, shared=shared)
                    else:
                        wanted = keys & carried
                        if wanted:
                            channel.deliver(part, wanted)

    def _wanted(self, channel: ClientChannel) -> None:
        """Per mode, the keys `channel` wants, frozen (hashed once), and their `picker`, kept
        on the channel until its subscriptions in that mode change (`_unwanted`), and counted
        per set: clients wanting the very same keys (one watchlist) get one body joined."""
        for mode, wanted in channel.keys_by_mode.items():
            if wanted and mode not in channel.pickers:
                keys = frozenset(wanted)  # picked in the set's order: the frame it gave
                channel.pickers[mode] = (keys, picker(wanted))
                self._groups.setdefault(mode, Counter())[keys] += 1

    def _unwanted(self, channel: ClientChannel, mode: TickMode) -> None:
        found = channel.pickers.pop(mode, None)
        if found is not None:
            counts = self._groups[mode]
            counts[found[0]] -= 1
            if not counts[found[0]]:
                del counts[found[0]]

    def connect(self, direct: DirectWriter | None = None) -> ClientChannel:
        """Register a client; its writer is ``channel.pump(send)``, and `direct` (when the
        server offers one) writes its frames while it keeps up."""
        channel = ClientChannel(self, self._queue_size, direct)
        self._channels.add(channel)
        return channel

    def subscribe(self, channel: ClientChannel, keys: Iterable[str], mode: TickMode) -> None:
        """Send `keys` to `channel` in `mode` from now on, starting with their last tick."""
        snapshot = Part(mode)
        for key in keys:
            self._detach(channel, key)
            channel.modes[key] = mode
            channel.keys_by_mode.setdefault(mode, set()).add(key)
            self._unwanted(channel, mode)
            counts = self._modes_of.setdefault(key, {})
            counts[mode] = counts.get(mode, 0) + 1
            self._keys_of.setdefault(mode, set()).add(key)
            last = self._last.get(key)
            if last is not None:
                snapshot.messages[key] = last
        self._wanted(channel)
        self._interest_changed()
        if snapshot.messages:  # queued: it follows the reply to the subscribe that asked for it
            channel.enqueue(snapshot, set(snapshot.messages))

    def unsubscribe(self, channel: ClientChannel, keys: Iterable[str]) -> None:
        """Stop sending `keys` to `channel`."""
        for key in keys:
            self._detach(channel, key)
        self._wanted(channel)
        self._interest_changed()

    def _detach(self, channel: ClientChannel, key: str) -> None:
        mode = channel.modes.pop(key, None)
        if mode is None:
            return
        channel.keys_by_mode[mode].discard(key)
        self._unwanted(channel, mode)
        counts = self._modes_of[key]
        counts[mode] -= 1
        if not counts[mode]:
            del counts[mode]
            self._keys_of[mode].discard(key)
        if not counts:
            del self._modes_of[key]

    def disconnect(self, channel: ClientChannel) -> None:
        """Forget a client and all its subscriptions."""
        self.unsubscribe(channel, list(channel.modes))
        self._channels.discard(channel)

    def metrics(self) -> dict[str, int]:
        """Counters for monitoring: clients, subscribed keys, ticks received and dropped."""
        return {
            "clients": len(self._channels),
            "subscribed_keys": len(self._modes_of),
            "ticks_received": self.received,
            "ticks_dropped": self.dropped,
        }

    async def close(self) -> None:
        """Stop routing (clients are closed by their connections)."""
        for task in list(self._announcing):
            task.cancel()
        await asyncio.gather(*self._announcing, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            await self._subscription.close()
            self._subscription = None
