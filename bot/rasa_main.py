"""Entry point for the Rasa server process: `python -m bot.rasa_main run ...`.

Same arguments as the `rasa` command; applies bot.compat first so the socket.io
websocket transport works on Python 3.11.
"""
from bot import compat

compat.apply()

if __name__ == "__main__":
    from rasa.__main__ import main

    main()
