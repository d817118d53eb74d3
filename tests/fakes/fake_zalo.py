"""A fake Zalo OA Open API on 127.0.0.1 (aiohttp.web in a background thread).

It speaks the shapes of the Zalo OA reference notes (docs/zalo.md):

- ``POST /v3.0/oa/message/cs``: header ``access_token``; JSON
  ``{"recipient": {"user_id"}, "message": {...}}``; answers HTTP 200 with
  ``{"error": 0, "message": "Success", "data": {"message_id", "user_id"}}`` or
  ``{"error": <negative code>, "message": "..."}``.
- ``POST /v4/oa/access_token``: header ``secret_key`` (the app secret), form
  ``refresh_token``, ``app_id``, ``grant_type=refresh_token``; answers
  ``{"access_token", "refresh_token", "expires_in": "90000"}``. Refresh tokens
  are single use: a spent one gets ``{"error": -14014, ...}``.

Control from the test: `expire_access_token()`, `fail_next(user_id, kind,
times)` with kind ``"-230"``, ``"-220"``, ``"-32"``, ``"-233"``, ``"500"``,
``"slow"``; `refresh_delay`; recorded `messages`, `attempts`, `refresh_calls`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, List, Optional

from aiohttp import web

ERRORS = {
    "-230": (-230, "User has not interacted with the OA in the past 7 days"),
    "-220": (-220, "Access token has expired or has been removed"),
    "-216": (-216, "Access token is invalid"),
    "-32": (-32, "App has reached the API call limit"),
    "-233": (-233, "The type of message is not supported"),
    "-213": (-213, "User has not followed the OA"),
}


@dataclass
class Received:
    user_id: str
    message: Dict[str, Any]
    recipient: Dict[str, Any]
    access_token: str
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        return self.message.get("text", "")

    @property
    def buttons(self) -> List[Dict[str, Any]]:
        return (((self.message.get("attachment") or {}).get("payload") or {}).get("buttons")) or []


class FakeZalo:
    def __init__(
        self,
        app_id: str = "fake-app",
        app_secret: str = "fake-app-secret",
        access_token: str = "access-0",
        refresh_token: str = "refresh-0",
    ):
        self.app_id, self.app_secret = app_id, app_secret
        self.access_token, self.refresh_token = access_token, refresh_token
        self.initial_access_token, self.initial_refresh_token = access_token, refresh_token
        self.messages: List[Received] = []
        self.attempts: Dict[str, int] = defaultdict(int)  # send calls per user (incl. failures)
        self.refresh_calls = 0
        self.refresh_delay = 0.0
        self.slow_seconds = 3.0
        self._failures: Dict[str, Deque[str]] = defaultdict(deque)
        self._counter = itertools.count(1)
        self._cond = threading.Condition()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self.port: Optional[int] = None

    # --- control -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expire_access_token(self) -> None:
        """The current access token stops working (as after 25 h)."""
        with self._cond:
            self.access_token = f"expired-{next(self._counter)}-never-valid"

    def fail_next(self, user_id: str, kind: str, times: int = 1) -> None:
        with self._cond:
            self._failures[user_id].extend([kind] * times)

    def messages_for(self, user_id: str) -> List[Received]:
        with self._cond:
            return [m for m in self.messages if m.user_id == user_id]

    def wait_for(self, user_id: str, count: int = 1, timeout: float = 30.0) -> List[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [m for m in self.messages if m.user_id == user_id]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    return got
                self._cond.wait(left)

    # --- handlers ------------------------------------------------------------------------
    async def _send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        try:
            body = await request.json()
            user_id = str(body["recipient"]["user_id"])
            message = body["message"]
            assert isinstance(message, dict)
        except Exception:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        with self._cond:
            self.attempts[user_id] += 1
            valid = token == self.access_token
            queue = self._failures[user_id]
            # Scripted refusals wait for a valid token; transport failures happen regardless.
            failure = queue.popleft() if queue and (valid or queue[0] in ("500", "slow")) else None
        if failure == "slow":
            await asyncio.sleep(self.slow_seconds)
            failure = None
        if failure == "500":
            return web.Response(status=500, text="Internal Server Error")
        if not valid:
            return web.json_response(dict(zip(("error", "message"), ERRORS["-216" if token else "-220"])))
        if failure in ERRORS:
            code, text = ERRORS[failure]
            return web.json_response({"error": code, "message": text})
        if "text" in message and len(message["text"]) > 2000:
            return web.json_response({"error": -201, "message": "Text is too long"})
        with self._cond:
            message_id = f"mid-{next(self._counter)}"
            self.messages.append(Received(user_id, message, body["recipient"], token))
            self._cond.notify_all()
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": user_id}}
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        with self._cond:
            self.refresh_calls += 1
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response(
                {
                    "error": -14001,
                    "error_name": "Invalid app",
                    "error_description": "secret_key or app_id is invalid",
                }
            )
        if form.get("grant_type") != "refresh_token":
            return web.json_response({"error": -14003, "error_description": "grant_type is invalid"})
        with self._cond:
            if form.get("refresh_token") != self.refresh_token:
                return web.json_response(
                    {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "Refresh token is invalid or used",
                    }
                )
            n = next(self._counter)
            self.access_token, self.refresh_token = f"access-{n}", f"refresh-{n}"
            return web.json_response(
                {
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "expires_in": "90000",
                }
            )

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> "FakeZalo":
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/v3.0/oa/message/cs", self._send)
            app.router.add_post("/v4/oa/access_token", self._token)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-zalo", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fake Zalo server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "FakeZalo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
