"""Build Zalo webhook deliveries (body bytes + headers) signed like Zalo does."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Optional, Tuple

from bot.channels.zalo_signature import signature_header

APP_ID = "4143528931776931"
OA_ID = "2197380221456278"
OA_SECRET = "oa-secret-for-tests"
APP_SECRET = "app-secret-for-tests"


def now_ms() -> str:
    return str(int(time.time() * 1000))


def text_event(
    user_id: str,
    text: str,
    msg_id: Optional[str] = None,
    timestamp: Optional[str] = None,
    app_id: str = APP_ID,
) -> Dict[str, Any]:
    return {
        "app_id": app_id,
        "user_id_by_app": "55" + user_id[-8:],
        "event_name": "user_send_text",
        "timestamp": timestamp or now_ms(),
        "sender": {"id": user_id},
        "recipient": {"id": OA_ID},
        "message": {"msg_id": msg_id or uuid.uuid4().hex, "text": text},
    }


def media_event(user_id: str, kind: str = "image", msg_id: Optional[str] = None) -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "event_name": f"user_send_{kind}",
        "timestamp": now_ms(),
        "sender": {"id": user_id},
        "recipient": {"id": OA_ID},
        "message": {
            "msg_id": msg_id or uuid.uuid4().hex,
            "attachments": [
                {
                    "type": kind,
                    "payload": {
                        "url": "https://example.invalid/a.jpg",
                        "thumbnail": "https://example.invalid/t.jpg",
                    },
                }
            ],
        },
    }


def follow_event(user_id: str) -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "event_name": "follow",
        "timestamp": now_ms(),
        "source": "oa_profile",
        "follower": {"id": user_id},
    }


def echo_event(user_id: str) -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "event_name": "oa_send_text",
        "timestamp": now_ms(),
        "sender": {"id": OA_ID},
        "recipient": {"id": user_id},
        "message": {"msg_id": uuid.uuid4().hex, "text": "echo"},
    }


def signed(
    event: Dict[str, Any], secret: str = OA_SECRET, app_id: str = APP_ID
) -> Tuple[bytes, Dict[str, str]]:
    # Zalo's own serialisation (non-ASCII kept as UTF-8); the MAC covers these exact bytes.
    raw = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-ZEvent-Signature": signature_header(app_id, raw, str(event["timestamp"]), secret),
    }
    return raw, headers


def rasa_env(fake, db_url: str, **extra: str) -> Dict[str, str]:
    """Environment of a Rasa server whose Zalo channel talks to `fake` (tests/fakes/fake_zalo.py)."""
    return {
        "DATABASE_URL": db_url,
        "REDIS_URL": "",
        "ZALO_APP_ID": APP_ID,
        "ZALO_OA_ID": OA_ID,
        "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_APP_SECRET_KEY": APP_SECRET,
        "ZALO_ACCESS_TOKEN": fake.access_token,
        "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": fake.url,
        "ZALO_OAUTH_BASE_URL": fake.url,
        **extra,
    }
