"""Vietnamese names for what the console shows: intents, slots and entities, channels and
slot values from the domain's `labels:` table, areas, levels, trades, schools and
groups from the catalogue (both through bot.vocabulary). Pages never show an id
where a name exists; the id stays in URLs and attribute values (`title`)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, Optional, Tuple

from bot import vocabulary
from bot.db import session_scope

CATALOGUE_TTL_SECONDS = 60.0
UNKNOWN_CHANNEL = "Không rõ kênh"

_cache: Dict[str, Tuple[float, Dict[str, Dict[str, str]]]] = {}
_lock = threading.Lock()


def _catalogue(database_url: Optional[str]) -> Dict[str, Dict[str, str]]:
    """The catalogue's names, re-read at most once a minute (it changes with an import)."""
    key = database_url or ""
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CATALOGUE_TTL_SECONDS:
            return hit[1]
    try:
        with session_scope(database_url) as session:
            names = vocabulary.catalogue_names(session)
    except Exception:  # no catalogue tables (a console-only database): ids stay as they are
        names = {}
    with _lock:
        _cache[key] = (time.monotonic(), names)
    return names


class Names:
    def __init__(self, catalogue: Dict[str, Dict[str, str]]):
        self.catalogue = catalogue
        self.intents = vocabulary.labels("intents")
        self.slots = vocabulary.labels("slots")
        self.channels = vocabulary.labels("channels")

    @classmethod
    def load(cls, database_url: Optional[str] = None) -> "Names":
        return cls(_catalogue(database_url))

    def intent(self, intent: Optional[str]) -> str:
        return self.intents.get(intent or "", intent or "—")

    def channel(self, channel: Optional[str]) -> str:
        return self.channels.get(channel or "", channel or UNKNOWN_CHANNEL)

    def slot(self, name: Optional[str]) -> str:
        """A slot's or an entity's name ("area" -> "Địa bàn")."""
        return self.slots.get(name or "", name or "")

    def area(self, area_id: Optional[str]) -> str:
        return self.catalogue.get("area", {}).get(area_id or "", area_id or "")

    def role(self, role: Optional[str]) -> str:
        return vocabulary.slot_value_labels("user_role").get(role or "", role or "")

    def value(self, name: str, value: Any) -> str:
        """A slot's or entity's value as people read it: catalogue names, labelled values,
        lists joined, yes/no in words."""
        if value is None:
            return "(trống)"
        if isinstance(value, bool):
            return "có" if value else "không"
        if name == "last_sources":  # "<kind>:<id>" of catalogue records
            return f"{len(value or [])} văn bản, bản ghi"
        if isinstance(value, (list, tuple)):
            return ", ".join(self.value(name, v) for v in value) or "(trống)"
        text = str(value)
        if name in self.catalogue:
            return self.catalogue[name].get(text, text)
        if name == "requested_slot":
            return self.slot(text)
        labelled = vocabulary.slot_value_labels(name)
        if labelled:
            return labelled.get(text, text)
        return text if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def intent_choices(self, intents) -> list:
        """(id, name) pairs for a drop-down, sorted by name."""
        return sorted(((i, self.intent(i)) for i in intents), key=lambda pair: pair[1])
