"""`python -m bot.web`: serve the web app on WEB_PORT (default 8000)."""

from bot.config import get_settings
from bot.web.app import create_app

if __name__ == "__main__":
    settings = get_settings()
    create_app().run(host="0.0.0.0", port=settings.web_port, access_log=False)
