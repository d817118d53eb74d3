"""Rasa's socket.io channel (the chat widget) with the checks of bot/channels/guard.py.

credentials.yml names it ``bot.channels.socketio.SocketIOInput`` with the same
settings as Rasa's ``socketio``. Conversations are stored as ``web:<session id>``
(the widget still sees its own session id), a message over 2,000 characters
gets a short polite reply, and a message that is not a string is answered as
an empty one instead of reaching NLU.
"""

from __future__ import annotations

from typing import Any, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import Blueprint

from bot.channels.guard import WEB_PREFIX, OnNewMessage, deliver, namespaced, strip_namespace


class SocketIOOutput(RasaSocketIOOutput):
    """Emits to the widget's room: the session id without the storage namespace."""

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(strip_namespace(WEB_PREFIX, socket_id), response)


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self):
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        async def guarded(message: UserMessage) -> None:
            text = message.text if isinstance(message.text, str) else ""
            output = SocketIOOutput(message.output_channel.sio, message.output_channel.bot_message_evt)
            await deliver(
                UserMessage(
                    text,
                    output,
                    namespaced(WEB_PREFIX, str(message.sender_id)),
                    input_channel=self.name(),
                    message_id=message.message_id,
                    metadata=message.metadata,
                ),
                on_new_message,
            )

        return super().blueprint(guarded)
