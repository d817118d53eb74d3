"""The web app (port 8000): the public chat page at `/` and the counsellor console at `/console`."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response

from bot.web.console.views import register as register_console

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

    register_console(app)
    return app
