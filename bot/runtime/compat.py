"""Compatibility shims for running Rasa 3.6 on Python 3.11; imported by the Rasa process
(see bot/rasa_main.py) before Rasa starts, never by editing site-packages.

Sanic 21.12.2's WebsocketImplProtocol.recv / recv_burst pass the coroutine
`assembler.get(timeout)` to `asyncio.wait`, which Python 3.11 forbids
("Passing coroutines is forbidden"), so socket.io's websocket upgrade fails and
the web widget never connects over websockets. Wrapping the call in
`asyncio.ensure_future` is the whole fix.
"""

from __future__ import annotations

import asyncio
import sys

from bot.runtime.versions import supported

_PATCHED_ATTR = "_bot_py311_patched"


def patch_sanic_websocket_recv() -> bool:
    """Make WebsocketFrameAssembler.get return a Future; returns True if patched now."""
    from sanic.server.websockets.frame import WebsocketFrameAssembler

    if getattr(WebsocketFrameAssembler, _PATCHED_ATTR, False) or not supported(
        "compat.websocket_recv", "sanic"
    ):
        return False
    original_get = WebsocketFrameAssembler.get

    def get(self, timeout=None):
        return asyncio.ensure_future(original_get(self, timeout))

    WebsocketFrameAssembler.get = get
    setattr(WebsocketFrameAssembler, _PATCHED_ATTR, True)
    return True


def apply() -> None:
    if sys.version_info >= (3, 11):
        patch_sanic_websocket_recv()
