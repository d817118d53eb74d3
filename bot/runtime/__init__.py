"""The Rasa process: its entry point (`python -m bot.runtime.rasa_main`), the tracker
and lock stores it is configured with, and every change to Rasa's behaviour.

Each change sits in its own module and is applied by `rasa_main.prepare_process`
only when the installed Rasa (and Sanic) are the versions it was written and
tested against (`versions.py`); tests/runtime/test_rasa_sources.py pins the source
of every Rasa function replaced here, so an upgrade fails in CI, not in production.
"""
