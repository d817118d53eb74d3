"""Rasa SQL tracker store that masks personal data before it is written.

Configured in endpoints.yml:

    tracker_store:
      type: bot.runtime.tracker_store.MaskingSQLTrackerStore
      # url: postgresql://user:pass@host/db   # optional; default DATABASE_URL

Rasa passes the endpoint's `url` as `host`; Rasa's own SQLTrackerStore already
accepts a full URL there (anything containing "://"). When neither is given,
the store uses DATABASE_URL (bot.config), so SQLite (embedded default) and
PostgreSQL (scaled profile) work without editing the file. The classic
`dialect/host/port/db/username/password` keys still work.

What is masked (bot.privacy, docs/privacy.md): every string of the event's
JSON (`text`, `parse_data.text`, entity values, bot replies, slot values,
metadata by value, keys included), with entity offsets re-aligned to the
masked text; only Rasa's own `message_id` is kept as it is. The same masking
applies to events published to an event broker. Column values Rasa derives
(`intent_name`, `action_name`) are names and need no masking.

Tracker cache (measured with bench/load.py and py-spy: rebuilding the tracker
from its rows was 36% of the Rasa process's CPU at 10 users, and counting the
stored rows before each save another 5%). The store keeps the trackers it saved
in a bounded LRU cache, checked out on retrieval (the caller gets the object
itself, and the entry leaves the cache until the tracker is saved again), so a
tracker is never shared. A cached tracker is only used while it is provably the
stored one: its conversation's newest row id must still be the id written last
by this process (one indexed query), so rows written by another replica or
deleted by `python -m bot purge` make it reload from the database. Trackers
are not cached when masking changed one of their new events (the reloaded,
masked tracker is what later turns must see) or when a new session started.
Size: TRACKER_CACHE_SIZE conversations (default 500; 0 disables the cache).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any, Dict, List, NamedTuple, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker

from bot.config import get_settings
from bot.privacy import mask_structure

logger = logging.getLogger(__name__)


# Number of the tracker's events that are stored, set on trackers this store hands out.
_STORED_ATTR = "_bot_stored_events"


def masked_event_dict(event: Event) -> Dict[str, Any]:
    return mask_structure(event.as_dict())


class _CachedTracker(NamedTuple):
    tracker: DialogueStateTracker
    last_id: int  # newest events.id of the conversation when the tracker was stored


class MaskingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose rows never contain phone numbers, e-mails or ID numbers."""

    def __init__(
        self,
        domain=None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker=None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        url: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        if url:
            host = url
        elif not host and db == "rasa.db" and dialect == "sqlite":
            host = get_settings().database_url
        if host and host.startswith("sqlite:///"):
            from pathlib import Path

            Path(host[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        if host and host.startswith("postgres://"):
            host = "postgresql://" + host[len("postgres://") :]
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            event_broker=event_broker,
            login_db=login_db,
            query=query,
            **kwargs,
        )
        if self.engine.dialect.name == "sqlite":
            # Rasa's engine opens a new SQLite connection (and runs its PRAGMAs) for every
            # session; bot.db's engine for the same file keeps pooled WAL connections.
            from bot.db import get_engine

            url = self.engine.url.render_as_string(hide_password=False)
            self.engine.dispose()
            self.engine = get_engine(url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self.cache_size = get_settings().tracker_cache_size
        self._cache: "OrderedDict[Text, _CachedTracker]" = OrderedDict()

    async def _stream_new_events(self, event_broker, new_events: List[Event], sender_id: Text) -> None:
        for event in new_events:
            body = {"sender_id": sender_id}
            body.update(masked_event_dict(event))
            event_broker.publish(body)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's tracker: from the cache while it is current, else from the rows."""
        with self.session_scope() as session:
            cached = self._cache.pop(sender_id, None)
            if cached is not None and cached.last_id == self._newest_row_id(session, sender_id):
                return cached.tracker
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        setattr(tracker, _STORED_ATTR, len(rows))
        return tracker

    def _newest_row_id(self, session, sender_id: Text) -> Optional[int]:
        return (
            session.query(sa.func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == sender_id).scalar()
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Same rows as SQLTrackerStore.save, with the event JSON masked first."""
        if self._erase_if_requested(tracker):
            return
        await self.stream_events(tracker)

        cacheable = self.cache_size > 0
        with self.session_scope() as session:
            stored = getattr(tracker, _STORED_ATTR, None)
            if stored is None or stored > len(tracker.events):  # a tracker this store did not hand out
                stored = self._event_query(
                    session, tracker.sender_id, fetch_events_from_all_sessions=False
                ).count()
            new_rows = []
            for event in list(tracker.events)[stored:]:
                raw = event.as_dict()
                data = mask_structure(raw)  # a masked copy
                if isinstance(event, SessionStarted) or data != raw:
                    cacheable = False
                intent = ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY)
                new_rows.append(
                    dict(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            if new_rows:  # one multi-row INSERT, without ORM objects for rows nobody reads back
                session.execute(self.SQLEvent.__table__.insert(), new_rows)
            last_id = self._newest_row_id(session, tracker.sender_id)  # we hold the conversation's lock
            session.commit()
        setattr(tracker, _STORED_ATTR, len(tracker.events))
        self._cache.pop(tracker.sender_id, None)
        if cacheable and last_id is not None:
            self._cache[tracker.sender_id] = _CachedTracker(tracker, last_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        logger.debug("Tracker %s stored (masked)", tracker.sender_id)

    def _erase_if_requested(self, tracker: DialogueStateTracker) -> bool:
        """A family's confirmed request to delete its data (actions/privacy.py).

        Deleted here, not by the action server: this process holds the tracker, and
        saving it would write back every event beyond the stored count. Instead of
        storing the turn, the conversation's rows go (bot.web.console.erasure) and the
        cached tracker is forgotten, so the next message starts an empty conversation.
        """
        from bot.web.console.erasure import erase_conversation, erasure_requested

        if not erasure_requested(tracker.events):
            return False
        with self.engine.begin() as conn:
            erase_conversation(
                conn,
                tracker.sender_id,
                requested_by="family",
                channel=tracker.get_latest_input_channel() or "",
            )
        self._cache.pop(tracker.sender_id, None)
        setattr(tracker, _STORED_ATTR, len(tracker.events))  # never written back
        logger.info("Conversation data erased on the user's request")
        return True
