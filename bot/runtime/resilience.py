"""Behaviour of the Rasa process when a part it depends on is down.

Rasa 3.6 logs a failed custom-action call (action server stopped, restarting,
or answering 5xx) and sends the user nothing. We answer with an apology
instead (response `utter_service_unavailable`, or a built-in Vietnamese text)
so the student knows to try again; the next message works as soon as the
action server is back. Applied by bot/rasa_main.py.
"""

from __future__ import annotations

import logging

from bot.runtime.versions import supported

logger = logging.getLogger(__name__)

APOLOGY_RESPONSE = "utter_service_unavailable"
APOLOGY_TEXT = (
    "Xin lỗi, hệ thống tra cứu đang tạm gián đoạn nên mình chưa trả lời được câu này. "
    "Bạn vui lòng nhắn lại sau ít phút nhé."
)
_PATCHED_ATTR = "_bot_apology_patched"


def patch_remote_action_apology() -> bool:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    if getattr(RemoteAction, _PATCHED_ATTR, False) or not supported("resilience.apology"):
        return False
    original_run = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except RasaException as exc:
            logger.error("Custom action '%s' failed (%s); the user gets an apology", self.name(), exc)
            message = None
            if APOLOGY_RESPONSE in domain.responses:
                message = await nlg.generate(APOLOGY_RESPONSE, tracker, output_channel.name())
            message = message or {"text": APOLOGY_TEXT}
            return [
                BotUttered(
                    message.get("text"),
                    data={k: v for k, v in message.items() if k != "text"},
                    metadata={"utter_action": APOLOGY_RESPONSE},
                )
            ]

    RemoteAction.run = run
    setattr(RemoteAction, _PATCHED_ATTR, True)
    return True


def apply() -> None:
    patch_remote_action_apology()
