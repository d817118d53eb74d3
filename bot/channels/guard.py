"""What every input channel checks before a message reaches Rasa.

- Length: Rasa's NLU (and any regular expression) costs time in proportion to
  the text, and it runs on the server's event loop, so one 100,000-character
  message used to freeze every other conversation for 20-40 s. A message longer
  than MAX_MESSAGE_CHARS gets a short, polite reply and never reaches NLU or
  the tracker store.
- Sender namespaces: a conversation belongs to one channel. Zalo user ids are
  stored as ``zalo:<id>`` and widget sessions as ``web:<session id>``; REST
  senders may not use those prefixes, so a REST caller who knows a Zalo user id
  cannot continue that user's conversation (or callback form).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
TOO_LONG_TEXT = (
    "Tin nhắn này dài quá (hơn 2.000 ký tự) nên mình chưa đọc được. "
    "Vui lòng gửi lại câu hỏi ngắn gọn hơn, mỗi lần một ý nhé."
)

ZALO_PREFIX = "zalo:"
WEB_PREFIX = "web:"
RESERVED_PREFIXES = (ZALO_PREFIX, WEB_PREFIX)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def too_long(text: Optional[str]) -> bool:
    return text is not None and len(text) > MAX_MESSAGE_CHARS


def namespaced(prefix: str, sender_id: str) -> str:
    return sender_id if sender_id.startswith(prefix) else prefix + sender_id


def strip_namespace(prefix: str, sender_id: str) -> str:
    return sender_id[len(prefix) :] if sender_id.startswith(prefix) else sender_id


def reserved_sender(sender_id: str) -> bool:
    return sender_id.startswith(RESERVED_PREFIXES)


async def deliver(message: UserMessage, on_new_message: OnNewMessage) -> None:
    """Hand `message` to Rasa, or answer a too-long text without processing it."""
    if too_long(message.text):
        await message.output_channel.send_text_message(message.sender_id, TOO_LONG_TEXT)
        return
    await on_new_message(message)
