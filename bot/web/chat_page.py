"""The public chat page: `/` (bot/web/static/index.html with its settings) and `/static/`
(the page's script and style, and the widget bundle that `make install` copies to
bot/web/static/vendor/ from web/, see scripts/install_web.sh).

The browser talks to Rasa's socket.io channel directly (cross-origin: the page is on
:8000, Rasa on :5005, or on a school's own site when embedded). Rasa is started with
`--cors` (Procfile) so socket.io's long-polling requests get CORS headers; websockets
are not subject to CORS.

Environment:
    RASA_PUBLIC_URL  the URL at which browsers reach Rasa, e.g. https://chat.example.vn;
                     unset: the page's own host on port 5005.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from sanic import Request, Sanic, response

from bot.config import ConfigError, get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
RASA_DEFAULT_PORT = 5005
CONFIG_PLACEHOLDER = "__CHAT_CONFIG__"


def rasa_public_url() -> Optional[str]:
    """RASA_PUBLIC_URL without a trailing slash, or None; ConfigError if it is not an http(s) URL."""
    value = get_settings().rasa_public_url.strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"RASA_PUBLIC_URL must be an http(s) URL such as https://chat.example.vn, got {value!r}"
        )
    return value


def page_config_json(public_url: Optional[str]) -> str:
    """The page's settings as JSON that is safe inside a <script> element."""
    text = json.dumps({"rasaPublicUrl": public_url}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def content_security_policy(request: Request, public_url: Optional[str]) -> str:
    """Only this site's own files run; the widget may connect to Rasa (both schemes,
    since a TLS proxy in front may hide the browser's scheme from us)."""
    if public_url:
        netloc = urlsplit(public_url).netloc
    else:
        host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        netloc = f"{host}:{RASA_DEFAULT_PORT}"
    rasa_sources = " ".join(f"{scheme}://{netloc}" for scheme in ("http", "https", "ws", "wss"))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # the widget styles its elements inline (React)
            "img-src 'self' data: https:",
            "font-src 'self' data:",
            f"connect-src 'self' {rasa_sources}",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def register_chat_page(app: Sanic) -> None:
    public_url = rasa_public_url()
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = template.replace(CONFIG_PLACEHOLDER, page_config_json(public_url))

    app.static("/static", str(STATIC_DIR), name="chat_static")

    @app.get("/", name="chat_page")
    async def chat_page(request: Request):
        return response.html(
            page,
            headers={
                "Content-Security-Policy": content_security_policy(request, public_url),
                "Cache-Control": "no-cache",
                "Referrer-Policy": "strict-origin-when-cross-origin",
            },
        )
