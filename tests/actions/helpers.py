"""Helpers for the action tests: canned trackers and running an action."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DATA_DIR = Path(__file__).resolve().parent / "data"


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: str = "inform",
    entities: Iterable[Dict] = (),
    text: str = "",
    sender_id: str = "test-user",
    channel: str = "rest",
) -> Tracker:
    latest = {
        "intent": {"name": intent, "confidence": 0.95},
        "entities": list(entities),
        "text": text,
        "intent_ranking": [{"name": intent, "confidence": 0.95}],
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker(sender_id, dict(slots or {}), latest, events, False, None, {}, "action_listen")


def load_tracker(name: str) -> Tracker:
    """A canned JSON tracker from tests/actions/data/."""
    return Tracker.from_dict(json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8")))


def run_action(action, tracker: Tracker, domain: Optional[Dict] = None) -> Tuple[List[Dict], List[Dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def texts(messages: List[Dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def entity(name: str, value: str) -> Dict[str, str]:
    return {"entity": name, "value": value}
