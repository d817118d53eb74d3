"""Warm the model up when the Rasa server starts.

The first parse after loading traces TensorFlow's prediction graph (about
450 ms) and the first prediction builds the policies' lookups, so the first
student after a restart waited about 0.7 s (measured through the REST channel).
When the server has started (Sanic's `after_server_start`, after Rasa's own
`before_server_start` listener loaded the agent), a few Vietnamese messages go
through NLU and dialogue prediction on throwaway trackers that are never stored
(no tracker store, no action server, nothing a counsellor would see).

The seam is an input channel that credentials.yml lists::

    bot.runtime.warmup.WarmUpChannel: {}

It receives no messages; it registers the server-start listener and answers
`GET /webhooks/warmup/` with whether (and how fast) the model was warmed up,
which a deployment can use as its readiness check.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

WARM_UP_TEXTS = (
    "xin chào",
    "học trung cấp có được miễn học phí không",
    "em muốn học điện công nghiệp ở vĩnh yên thì học trường nào, mất bao lâu ạ",
)


async def warm_up(agent) -> int:
    """Parse and predict WARM_UP_TEXTS with `agent`; returns how many went through."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    done = 0
    for text in WARM_UP_TEXTS:
        parsed = await agent.parse_message(text)
        tracker = DialogueStateTracker.from_events(
            "warm-up",
            [
                ActionExecuted("action_listen"),
                UserUttered(text, parsed.get("intent"), parsed.get("entities"), parsed),
            ],
            agent.domain.slots,
        )
        agent.processor.predict_next_with_tracker(tracker)
        done += 1
    return done


class WarmUpChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "warmup"

    def __init__(self) -> None:
        self.status: Dict[str, Any] = {"warmed_up": False}

    def blueprint(self, on_new_message) -> Blueprint:
        bp = Blueprint("warmup", __name__)

        @bp.route("/", methods=["GET"])
        async def status(_: Request) -> HTTPResponse:
            return response.json(self.status)

        @bp.listener("after_server_start")
        async def warm(app, _loop) -> None:
            agent = getattr(app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                logger.warning("No model loaded at server start: nothing to warm up")
                return
            started = time.perf_counter()
            try:
                count = await warm_up(agent)
            except Exception:  # a failed warm-up must never keep the server from serving
                logger.exception("Model warm-up failed; the first messages will be slower")
                return
            seconds = time.perf_counter() - started
            self.status = {"warmed_up": True, "messages": count, "seconds": round(seconds, 3)}
            logger.info("Model warmed up with %d messages in %.1f s", count, seconds)

        return bp
