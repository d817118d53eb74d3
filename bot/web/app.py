"""The web app (port 8000): the public chat page at `/` and the counsellor console at `/console`."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(name: str = "assistant_web") -> Sanic:
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 15

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    @app.get("/")
    async def chat_page(_request):
        return await response.file(STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8")

    return app
