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
"""
from __future__ import annotations

import asyncio
from typing import Optional

from bot.config import get_settings

_PATCHED_ATTR = "_bot_admission"


def concurrency() -> int:
    return get_settings().message_concurrency


class Admission:
    """An asyncio.Semaphore (FIFO on Python 3.11) made on first use, in the running loop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._semaphore: Optional[asyncio.Semaphore] = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        return self._semaphore


def admitted(handle, admission: Admission):
    """`handle(self, message)` run under `admission`."""

    async def handle_message(self, message):
        async with admission.semaphore:
            return await handle(self, message)

    setattr(handle_message, _PATCHED_ATTR, admission)
    handle_message.__wrapped__ = handle
    return handle_message


def apply(limit: Optional[int] = None) -> bool:
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor.handle_message, _PATCHED_ATTR, None) is not None:
        return False
    MessageProcessor.handle_message = admitted(MessageProcessor.handle_message, Admission(limit or concurrency()))
    return True
