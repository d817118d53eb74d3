"""The web app (port 8000): the public chat page at `/` and the counsellor console at `/console`."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response

from bot.web.chat_page import register_chat_page
from bot.web.console.views import register as register_console

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(name: str = "assistant_web") -> Sanic:
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 15

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    register_chat_page(app)  # `/` and `/static/`: bot/web/chat_page.py

    register_console(app)
    return app
