"""Warm the model up before the Rasa server takes its first message; applied by
bot/rasa_main.py.

The first parse after loading traces TensorFlow's prediction graph (about
450 ms) and the first prediction builds the policies' lookups, so the first
student after a restart waited about 0.7 s (measured through the REST channel).
After the agent is loaded, and before the server accepts connections, a few
Vietnamese messages go through NLU and dialogue prediction on throwaway
trackers that are never stored (no tracker store, no action server, nothing
a counsellor would see in the console).
"""
from __future__ import annotations

import logging
import time

from bot.runtime.versions import supported

logger = logging.getLogger(__name__)

WARM_UP_TEXTS = (
    "xin chào",
    "học trung cấp có được miễn học phí không",
    "em muốn học điện công nghiệp ở vĩnh yên thì học trường nào, mất bao lâu ạ",
)
_PATCHED_ATTR = "_bot_warm_up"


async def warm_up(agent) -> int:
    """Parse and predict WARM_UP_TEXTS with `agent`; returns how many went through."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    done = 0
    for text in WARM_UP_TEXTS:
        parsed = await agent.parse_message(text)
        tracker = DialogueStateTracker.from_events(
            "warm-up",
            [ActionExecuted("action_listen"), UserUttered(text, parsed.get("intent"), parsed.get("entities"), parsed)],
            agent.domain.slots,
        )
        agent.processor.predict_next_with_tracker(tracker)
        done += 1
    return done


def apply() -> bool:
    import rasa.core.run

    original = rasa.core.run.load_agent_on_start
    if getattr(original, _PATCHED_ATTR, False) or not supported("warmup"):
        return False

    async def load_agent_on_start(*args, **kwargs):
        agent = await original(*args, **kwargs)
        if agent is not None and agent.is_ready():
            started = time.perf_counter()
            try:
                count = await warm_up(agent)
                logger.info("Model warmed up with %d messages in %.1f s", count, time.perf_counter() - started)
            except Exception:  # a failed warm-up must never keep the server from starting
                logger.exception("Model warm-up failed; the first messages will be slower")
        return agent

    setattr(load_agent_on_start, _PATCHED_ATTR, True)
    rasa.core.run.load_agent_on_start = load_agent_on_start
    return True
