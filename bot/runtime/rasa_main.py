"""Entry point for Rasa commands: `python -m bot.runtime.rasa_main run ...` (same arguments as `rasa`).

Before handing over to Rasa it
- applies bot.runtime.compat (socket.io websockets on Python 3.11), bot.runtime.resilience
  (an apology instead of silence when the action server is down),
  bot.runtime.speedups (measured Rasa hot spots) and bot.runtime.admission (messages
  processed first come, first served), each only on the Rasa/Sanic versions it was
  written for (bot/runtime/versions.py),
- fills the environment variables that endpoints.yml / credentials.yml refer to
  with the defaults of bot.config, so the embedded profile needs no setup.

What Rasa lets us plug in is plugged in where Rasa looks for it instead:
policies (config.yml: bot/runtime/dialogue_states.py), channels and the warm-up
listener (credentials.yml: bot/channels/, bot/runtime/warmup.py), tracker and
lock stores (endpoints.yml).
"""

import os

from bot.config import get_settings
from bot.runtime import admission, compat, resilience, speedups


def export_default_environment() -> None:
    settings = get_settings()
    os.environ.setdefault("DATABASE_URL", settings.database_url)
    os.environ.setdefault("ACTION_ENDPOINT_URL", settings.action_endpoint_url)
    # Users are minors: no usage data leaves the machine.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # Zalo channel (credentials.yml): unset secrets stay empty, and the channel then
    # rejects every webhook with 401 and says why in the log.
    from bot.channels.zalo_config import ZALO_ENV_DEFAULTS

    for name, value in ZALO_ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    # REST channel (credentials.yml): no token in the embedded profile.
    os.environ.setdefault("REST_CHANNEL_TOKEN", "")


def prepare_process() -> None:
    """Everything a process that runs Rasa (server, training, benchmarks) needs first."""
    compat.apply()
    resilience.apply()
    speedups.apply()
    admission.apply()
    export_default_environment()


if __name__ == "__main__":
    prepare_process()
    from rasa.__main__ import main

    main()
