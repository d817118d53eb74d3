"""First come, first served: at most MESSAGE_CONCURRENCY messages are processed at
once by a Rasa process, the others wait in arrival order. Applied by bot/rasa_main.py.

Without it, every waiting message is interleaved with the others at each await
(action server calls, tracker store), so under load a message that calls two
actions waits behind every other message two more times and latencies spread
far apart (bench/load.py at 10 users: p95 about three times the median). With
a small fixed number in progress, each message runs nearly uninterrupted once
admitted and waits only for those ahead of it, which is what a student in the
queue expects; the process stays busy while one admitted message waits for the
action server. The limit is taken inside the conversation lock (Rasa's
Agent.handle_message), so a message waiting for its own conversation holds no
slot.

One process runs messages on more than one event loop: REST and socket.io on
Sanic's loop, Zalo on the Zalo channel's processing loop in its own thread
(bot/channels/zalo.py). An ``asyncio.Semaphore`` belongs to the first loop that
waits on it, and every later waiter on another loop fails ("bound to a
different event loop"), which lost Zalo messages when web and Zalo traffic met.
So the gate is thread-safe: its state sits behind a ``threading.Lock``, a
waiter is a future of its own loop, and a released slot is handed to the
longest-waiting message through that loop's ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Deque, Optional, Tuple

from bot.config import get_settings
from bot.runtime.versions import supported

_PATCHED_ATTR = "_bot_admission"


def concurrency() -> int:
    return get_settings().message_concurrency


_Waiter = Tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class Admission:
    """A FIFO counting gate that any number of event loops, in any threads, can share."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._free = limit
        self._waiters: Deque[_Waiter] = collections.deque()
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        with self._lock:
            return self.limit - self._free

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            future: "asyncio.Future[None]" = loop.create_future()
            waiter = (loop, future)
            self._waiters.append(waiter)
        try:
            await future
        except BaseException:
            with self._lock:
                try:
                    self._waiters.remove(waiter)
                    granted = False
                except ValueError:
                    granted = True  # release() already handed us the slot
            if granted and future.done() and not future.cancelled():
                self.release()  # the slot arrived, but we are leaving: pass it on
            # A slot still on its way (future cancelled before _grant ran) is passed
            # on by _grant itself.
            raise

    def release(self) -> None:
        while True:
            with self._lock:
                if not self._waiters:
                    self._free = min(self.limit, self._free + 1)
                    return
                loop, future = self._waiters.popleft()
            try:
                loop.call_soon_threadsafe(self._grant, future)
                return
            except RuntimeError:
                continue  # that waiter's loop is closed: try the next one

    def _grant(self, future: "asyncio.Future[None]") -> None:
        """Runs on the waiter's own loop."""
        if future.cancelled():
            self.release()
        else:
            future.set_result(None)

    async def __aenter__(self) -> "Admission":
        await self.acquire()
        return self

    async def __aexit__(self, *exc) -> None:
        self.release()


def admitted(handle, admission: Admission):
    """`handle(self, message)` run under `admission`."""

    async def handle_message(self, message):
        async with admission:
            return await handle(self, message)

    setattr(handle_message, _PATCHED_ATTR, admission)
    handle_message.__wrapped__ = handle
    return handle_message


def apply(limit: Optional[int] = None) -> bool:
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor.handle_message, _PATCHED_ATTR, None) is not None or not supported(
        "admission"
    ):
        return False
    MessageProcessor.handle_message = admitted(
        MessageProcessor.handle_message, Admission(limit or concurrency())
    )
    return True
