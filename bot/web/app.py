"""The web app (port 8000): the public chat page at `/` and the counsellor console at `/console`."""

from __future__ import annotations

from sanic import Sanic, response

from bot.web.chat_page import register_chat_page
from bot.web.console.views import register as register_console

CONSOLE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Responses without a policy of their own (static files, errors, JSON): nothing may load or frame them.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(request, resp) -> None:
    """On every response, errors and static files included; a route's own values are kept."""
    headers = resp.headers
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    console = request.path == "/console" or request.path.startswith("/console/")
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        headers["Content-Security-Policy"] = CONSOLE_CSP if console else DEFAULT_CSP
    elif "frame-ancestors" not in policy:
        headers["Content-Security-Policy"] = policy + "; frame-ancestors 'none'"
    if console:
        headers.setdefault("Cache-Control", "no-store")


def create_app(name: str = "assistant_web") -> Sanic:
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 15

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    register_chat_page(app)  # `/` and `/static/`: bot/web/chat_page.py

    register_console(app)
    app.register_middleware(add_security_headers, "response")
    return app
