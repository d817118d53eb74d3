"""A Sanic app with one websocket echo route, for tests/test_compat.py.

`python -m tests.ws_echo_server PORT patched|unpatched`: with `patched`, bot.runtime.compat is
applied first, exactly as bot/runtime/rasa_main.py does for the Rasa process.
"""

import sys

from sanic import Sanic, response


def main() -> None:
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "patched":
        from bot.runtime import compat

        compat.apply()
    app = Sanic("ws_echo")

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    @app.websocket("/echo")
    async def echo(_request, ws):
        while True:
            message = await ws.recv()
            if message is None:
                continue
            await ws.send(f"echo: {message}")

    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
