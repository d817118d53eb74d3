"""delete_my_data: a family has its conversation deleted (Nghị định 13/2023/NĐ-CP).

The rule in data/rules/privacy.yml asks for confirmation first
(utter_ask_delete_my_data); this action runs only after a "có". It deletes
nothing itself: the Rasa process still holds the conversation's tracker, and
Rasa's SQL tracker store appends the events it has not stored yet, so rows
deleted from here would come back with the next save. The tracker store
(bot/runtime/tracker_store.py, `_erase_if_requested`) sees this action in the turn it
saves and deletes the conversation's events, console summary, tags, notes and
callback requests instead of storing the turn, and forgets its cached tracker:
the next message starts a new, empty conversation.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import polish, you
from bot.web.console.erasure import ERASE_ACTION


class ActionDeleteMyData(Action):
    def name(self) -> Text:
        return ERASE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        dispatcher.utter_message(
            text=polish(
                f"Dạ, mình đã xóa toàn bộ cuộc trò chuyện này cùng mọi thông tin {you(tracker)} đã gửi, "
                "kể cả yêu cầu gọi lại nếu có. Nếu nhắn tiếp, mình sẽ bắt đầu như một cuộc trò chuyện mới."
            )
        )
        return []
