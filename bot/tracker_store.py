"""Rasa SQL tracker store that masks personal data before it is written.

Configured in endpoints.yml:

    tracker_store:
      type: bot.tracker_store.MaskingSQLTrackerStore
      # url: postgresql://user:pass@host/db   # optional; default DATABASE_URL

Rasa passes the endpoint's `url` as `host`; Rasa's own SQLTrackerStore already
accepts a full URL there (anything containing "://"). When neither is given,
the store uses DATABASE_URL (bot.config), so SQLite (embedded default) and
PostgreSQL (scaled profile) work without editing the file. The classic
`dialect/host/port/db/username/password` keys still work.

What is masked (bot.privacy): every free-text string of the event's JSON
(`text`, `parse_data.text`, entity values, bot replies, slot values,
metadata), with entity offsets re-aligned to the masked text. The same masking
applies to events published to an event broker. Column values Rasa derives
(`intent_name`, `action_name`) are names and need no masking.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.privacy import mask_structure

logger = logging.getLogger(__name__)


def masked_event_dict(event: Event) -> Dict[str, Any]:
    return mask_structure(event.as_dict())


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
            from bot.config import get_settings

            host = get_settings().database_url
        if host and host.startswith("sqlite:///"):
            from pathlib import Path

            Path(host[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        if host and host.startswith("postgres://"):
            host = "postgresql://" + host[len("postgres://"):]
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
            from sqlalchemy import event

            from bot.db import configure_sqlite_connection

            event.listen(self.engine, "connect", configure_sqlite_connection)
            self.engine.dispose()  # connections opened while creating tables predate the listener

    async def _stream_new_events(self, event_broker, new_events: List[Event], sender_id: Text) -> None:
        for event in new_events:
            body = {"sender_id": sender_id}
            body.update(masked_event_dict(event))
            event_broker.publish(body)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Same rows as SQLTrackerStore.save, with the event JSON masked first."""
        await self.stream_events(tracker)

        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = masked_event_dict(event)
                intent = ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug("Tracker %s stored (masked)", tracker.sender_id)
