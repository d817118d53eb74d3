"""REST channel (``POST /webhooks/rest/webhook``) with the checks Rasa's own lacks.

credentials.yml::

    bot.channels.rest.RestInput:
      token: ${REST_CHANNEL_TOKEN}

- The payload must be a JSON object with a string ``sender`` (1-128
  characters, not in another channel's namespace, see bot/channels/guard.py)
  and a string ``message``; anything else gets 400 with a reason. A body over
  1 MB gets 413.
- ``input_channel`` is always ``rest``: a client cannot pass its messages off
  as Zalo's or the widget's.
- A message over 2,000 characters gets a short polite reply and is not processed.
- With a token configured, requests need ``Authorization: Bearer <token>``
  (401 otherwise). In production, either set a token or remove the ``rest``
  entry from credentials.yml; the embedded profile keeps it open for
  development and tests.
- When processing fails, the client gets 500 with an error instead of an
  empty 200 it would take for "no answer".
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import MAX_SENDER_CHARS, OnNewMessage, deliver, reserved_sender

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


class PayloadError(ValueError):
    pass


def parse_payload(request: Request) -> Dict[str, Any]:
    """The validated payload, or PayloadError with a reason a developer can act on."""
    try:
        payload = request.json
    except Exception:
        raise PayloadError("body is not valid JSON")
    if not isinstance(payload, dict):
        raise PayloadError("body must be a JSON object")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise PayloadError("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise PayloadError(f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    if reserved_sender(sender):
        raise PayloadError("'sender' uses another channel's namespace")
    message = payload.get("message")
    if not isinstance(message, str):
        raise PayloadError("'message' must be a string")
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise PayloadError("'metadata' must be a JSON object")
    return {"sender": sender, "message": message, "metadata": metadata}


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls(token=(credentials or {}).get("token") or None)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        supplied = request.headers.get("Authorization", "")
        return hmac.compare_digest(supplied.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "missing or wrong token"}, status=401)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "request body too large"}, status=413)
            try:
                payload = parse_payload(request)
            except PayloadError as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                payload["message"],
                collector,
                payload["sender"],
                input_channel=self.name(),
                metadata=payload["metadata"],
            )
            try:
                await deliver(message, on_new_message)
            except Exception:
                logger.exception("REST: processing a message failed")
                return response.json(
                    {"error": "processing failed", "messages": collector.messages}, status=500
                )
            return response.json(collector.messages)

        return bp
