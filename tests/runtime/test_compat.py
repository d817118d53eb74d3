"""bot/runtime/compat.py: the Python 3.11 fix for Sanic 21.12.2's websocket recv."""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace

import pytest
import websockets
from sanic.server.websockets.frame import WebsocketFrameAssembler

from bot.runtime import compat
from tests.procs import PYTHON, ServerProcess, free_port


def _sanic_original_get():
    get = WebsocketFrameAssembler.__dict__["get"]
    while get.__closure__:  # the shim's wrapper closes over `original_get`
        get = get.__closure__[0].cell_contents
    return get


@pytest.fixture
def unpatched_assembler(monkeypatch):
    """WebsocketFrameAssembler as Sanic ships it; whatever the test patches is undone afterwards."""
    original = _sanic_original_get()
    monkeypatch.setattr(WebsocketFrameAssembler, "get", original)
    monkeypatch.setattr(WebsocketFrameAssembler, compat._PATCHED_ATTR, False, raising=False)
    return original


def test_patch_is_applied_once(unpatched_assembler):
    assert compat.patch_sanic_websocket_recv() is True
    patched = WebsocketFrameAssembler.get
    assert patched is not unpatched_assembler
    assert compat.patch_sanic_websocket_recv() is False
    assert compat.patch_sanic_websocket_recv() is False
    assert WebsocketFrameAssembler.get is patched  # not wrapped twice


def test_patched_get_returns_a_future_with_the_original_result(unpatched_assembler):
    compat.patch_sanic_websocket_recv()

    async def scenario():
        assembler = WebsocketFrameAssembler(SimpleNamespace())
        pending = assembler.get(timeout=0)
        assert isinstance(pending, asyncio.Future)
        assert await pending is None  # no complete message yet: the original returns None
        # asyncio.wait accepts it on Python 3.11, which is what recv() does.
        done, _ = await asyncio.wait({assembler.get(timeout=0)}, timeout=1)
        assert [task.result() for task in done] == [None]

    asyncio.run(scenario())


def test_apply_patches_on_python_311(unpatched_assembler):
    compat.apply()
    assert getattr(WebsocketFrameAssembler, compat._PATCHED_ATTR, False) is (sys.version_info >= (3, 11))


async def _echo_round_trip(url: str) -> str:
    async with websockets.connect(url, open_timeout=10, close_timeout=2) as ws:
        await ws.send("xin chào")
        return await asyncio.wait_for(ws.recv(), timeout=10)


def _echo_server(mode: str) -> ServerProcess:
    port = free_port()
    return ServerProcess(
        f"ws-echo-{mode}",
        [PYTHON, "-m", "tests.ws_echo_server", str(port), mode],
        port,
        "/healthz",
        timeout=60,
    )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the bug only exists on Python 3.11+")
def test_websocket_recv_fails_without_the_patch():
    with _echo_server("unpatched") as server:
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            asyncio.run(_echo_round_trip(f"ws://127.0.0.1:{server.port}/echo"))
        assert "Passing coroutines is forbidden" in server.log_tail(200)


def test_websocket_message_round_trips_with_the_patch():
    with _echo_server("patched") as server:
        reply = asyncio.run(_echo_round_trip(f"ws://127.0.0.1:{server.port}/echo"))
        assert reply == "echo: xin chào"
        assert "Passing coroutines is forbidden" not in server.log_tail(200)
