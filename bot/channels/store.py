"""Tables and queries of the Zalo channel (the only place its SQL lives).

- `zalo_events`: one row per webhook event we accepted (key = `message.msg_id`,
  or a synthetic key for events without one). The unique key makes "insert if
  absent" the de-duplication: a retried delivery, even after a restart or on
  another replica, finds the row and is not answered twice. The row also keeps
  the event itself (`payload`) until it is answered, under a lease held by the
  process working on it (`owner`, `lease_until`, renewed while it runs), and
  how many replies already reached Zalo (`replies_sent`). When a process dies,
  its lease runs out and another process (or the same one after a restart)
  takes the event over and answers it, skipping the replies already sent. The
  payload is cleared once the event is answered: a minor's message is not kept
  in this table longer than it takes to answer it.
- `zalo_tokens`: the current access/refresh token pair per app. The refresh
  token is single-use and rotates, so the new pair is written in one
  transaction the moment Zalo returns it. `refreshing_until` is a short lease so
  that replicas without Redis never spend the same refresh token twice.
- `zalo_delivery_failures`: replies Zalo refused for good (outside the 7-day
  window, user blocked, ...), for the counsellor console. The user id is stored
  only as `user_hash` (see `hash_user_id`).
- `zalo_pending_menus`: the numbered text menu last shown to a user (the
  fallback for buttons), so that a reply "2" maps back to the button payload.

Methods are synchronous (SQLAlchemy 1.4); the channel calls them through
`asyncio.to_thread`. The schema is created by the Alembic branch `channels`
(`python -m bot db upgrade`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db import Base, session_scope, utcnow


def hash_user_id(user_id: str) -> str:
    """Pseudonymous key of a Zalo user id (as the tracker's sender_id). The console
    computes the same hash to join failures with conversations."""
    return hashlib.sha256(f"zalo:{user_id}".encode("utf-8")).hexdigest()[:32]


class ZaloEvent(Base):
    __tablename__ = "zalo_events"
    id = sa.Column(sa.Integer, primary_key=True)
    event_key = sa.Column(sa.String(160), nullable=False, unique=True)
    event_name = sa.Column(sa.String(64), nullable=False)
    state = sa.Column(sa.String(16), nullable=False)  # processing | done | failed
    received_at = sa.Column(sa.DateTime, nullable=False)
    claimed_at = sa.Column(sa.DateTime, nullable=False)
    finished_at = sa.Column(sa.DateTime)
    payload = sa.Column(sa.Text)  # the event, until it is answered
    owner = sa.Column(sa.String(32))  # process instance working on it
    lease_until = sa.Column(sa.DateTime)  # another process may take it over after this
    replies_sent = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    __table_args__ = (
        sa.Index("ix_zalo_events_received_at", "received_at"),
        sa.Index("ix_zalo_events_state_lease", "state", "lease_until"),
    )


class ZaloToken(Base):
    __tablename__ = "zalo_tokens"
    token_key = sa.Column(sa.String(64), primary_key=True)
    access_token = sa.Column(sa.Text, nullable=False)
    refresh_token = sa.Column(sa.Text, nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    seed_fingerprint = sa.Column(sa.String(64))
    refreshing_until = sa.Column(sa.DateTime)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class ZaloDeliveryFailure(Base):
    __tablename__ = "zalo_delivery_failures"
    id = sa.Column(sa.Integer, primary_key=True)
    user_hash = sa.Column(sa.String(32), nullable=False)
    error_code = sa.Column(sa.Integer)
    error_message = sa.Column(sa.Text, nullable=False)
    kind = sa.Column(sa.String(32), nullable=False)  # outside_window | rejected | unavailable | token
    created_at = sa.Column(sa.DateTime, nullable=False)
    __table_args__ = (
        sa.Index("ix_zalo_delivery_failures_user_hash", "user_hash"),
        sa.Index("ix_zalo_delivery_failures_created_at", "created_at"),
    )


class ZaloPendingMenu(Base):
    __tablename__ = "zalo_pending_menus"
    user_hash = sa.Column(sa.String(32), primary_key=True)
    payloads = sa.Column(sa.JSON, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    version: int
    seed_fingerprint: Optional[str]
    refreshing_until: Optional[datetime]

    def __repr__(self) -> str:  # never print tokens
        return f"TokenPair(version={self.version}, expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class FailureRecord:
    user_hash: str
    error_code: Optional[int]
    error_message: str
    kind: str
    created_at: datetime


class ZaloStore:
    def __init__(self, database_url: Optional[str] = None):
        self.database_url = database_url

    # --- de-duplication and durable events ---------------------------------------------
    def claim_event(
        self,
        event_key: str,
        event_name: str,
        payload: Optional[str] = None,
        owner: str = "",
        lease_seconds: float = 60.0,
    ) -> bool:
        """True if this call owns the event: its first delivery (the payload is stored
        with it), or a delivery of an event whose owner's lease ran out (it crashed)."""
        now = utcnow()
        try:
            with session_scope(self.database_url) as session:
                session.add(
                    ZaloEvent(
                        event_key=event_key,
                        event_name=event_name[:64],
                        state="processing",
                        received_at=now,
                        claimed_at=now,
                        payload=payload,
                        owner=owner,
                        lease_until=now + timedelta(seconds=lease_seconds),
                        replies_sent=0,
                    )
                )
            return True
        except IntegrityError:
            pass
        return self.take_over(event_key, owner, lease_seconds)

    def take_over(self, event_key: str, owner: str, lease_seconds: float) -> bool:
        """Take an unfinished event whose lease expired; exactly one caller wins."""
        now = utcnow()
        with session_scope(self.database_url) as session:
            result = session.execute(
                sa.update(ZaloEvent)
                .where(
                    ZaloEvent.event_key == event_key,
                    ZaloEvent.state == "processing",
                    sa.or_(ZaloEvent.lease_until.is_(None), ZaloEvent.lease_until < now),
                )
                .values(owner=owner, claimed_at=now, lease_until=now + timedelta(seconds=lease_seconds))
            )
            return result.rowcount == 1

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        with session_scope(self.database_url) as session:
            return session.execute(
                sa.update(ZaloEvent)
                .where(ZaloEvent.owner == owner, ZaloEvent.state == "processing")
                .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
            ).rowcount

    def orphaned_events(self, limit: int = 100) -> List[Tuple[str, str]]:
        """(event_key, payload) of unfinished events nobody holds a lease on, oldest first."""
        with session_scope(self.database_url) as session:
            rows = session.execute(
                sa.select(ZaloEvent.event_key, ZaloEvent.payload)
                .where(
                    ZaloEvent.state == "processing",
                    ZaloEvent.payload.is_not(None),
                    sa.or_(ZaloEvent.lease_until.is_(None), ZaloEvent.lease_until < utcnow()),
                )
                .order_by(ZaloEvent.id)
                .limit(limit)
            ).all()
        return [(key, payload) for key, payload in rows]

    def release_event(self, event_key: str) -> None:
        """Forget a claim we could not act on, so a retry may take it."""
        with session_scope(self.database_url) as session:
            session.execute(
                sa.delete(ZaloEvent).where(ZaloEvent.event_key == event_key, ZaloEvent.state == "processing")
            )

    def finish_event(self, event_key: str, ok: bool) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                sa.update(ZaloEvent)
                .where(ZaloEvent.event_key == event_key)
                .values(
                    state="done" if ok else "failed", finished_at=utcnow(), payload=None, lease_until=None
                )
            )

    def replies_sent(self, event_key: str) -> int:
        with session_scope(self.database_url) as session:
            return (
                session.execute(
                    sa.select(ZaloEvent.replies_sent).where(ZaloEvent.event_key == event_key)
                ).scalar_one_or_none()
                or 0
            )

    def count_reply(self, event_key: str) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                sa.update(ZaloEvent)
                .where(ZaloEvent.event_key == event_key)
                .values(replies_sent=ZaloEvent.replies_sent + 1)
            )

    def event_state(self, event_key: str) -> Optional[str]:
        with session_scope(self.database_url) as session:
            return session.execute(
                sa.select(ZaloEvent.state).where(ZaloEvent.event_key == event_key)
            ).scalar_one_or_none()

    def purge_events(self, older_than_seconds: float) -> int:
        """Rows older than the replay window can go: such a delivery is refused by its timestamp."""
        cutoff = utcnow() - timedelta(seconds=older_than_seconds)
        with session_scope(self.database_url) as session:
            return session.execute(sa.delete(ZaloEvent).where(ZaloEvent.received_at < cutoff)).rowcount

    # --- tokens ---------------------------------------------------------------------
    @staticmethod
    def _pair(row: Optional[ZaloToken]) -> Optional[TokenPair]:
        if row is None:
            return None
        return TokenPair(
            row.access_token,
            row.refresh_token,
            row.expires_at,
            row.version,
            row.seed_fingerprint,
            row.refreshing_until,
        )

    def load_tokens(self, token_key: str) -> Optional[TokenPair]:
        with session_scope(self.database_url) as session:
            return self._pair(session.get(ZaloToken, token_key))

    def seed_tokens(
        self, token_key: str, access_token: str, refresh_token: str, expires_in: float, fingerprint: str
    ) -> bool:
        """Install a pair given by the operator (environment) unless this very seed was
        installed before: after a rotation the database, not the environment, is current."""
        now = utcnow()
        try:
            with session_scope(self.database_url) as session:
                row = session.get(ZaloToken, token_key, with_for_update=True)
                if row is not None and row.seed_fingerprint == fingerprint:
                    return False
                if row is None:
                    row = ZaloToken(token_key=token_key, version=0)
                    session.add(row)
                row.access_token, row.refresh_token = access_token, refresh_token
                row.expires_at = now + timedelta(seconds=expires_in)
                row.version = (row.version or 0) + 1
                row.seed_fingerprint, row.refreshing_until, row.updated_at = fingerprint, None, now
            return True
        except IntegrityError:  # another replica seeded at the same moment
            return False

    def begin_refresh(self, token_key: str, version: int, lease_seconds: float) -> bool:
        """Take the refresh lease on the row at `version`; False if another holder has it."""
        now = utcnow()
        with session_scope(self.database_url) as session:
            result = session.execute(
                sa.update(ZaloToken)
                .where(
                    ZaloToken.token_key == token_key,
                    ZaloToken.version == version,
                    sa.or_(ZaloToken.refreshing_until.is_(None), ZaloToken.refreshing_until < now),
                )
                .values(refreshing_until=now + timedelta(seconds=lease_seconds))
            )
            return result.rowcount == 1

    def end_refresh(self, token_key: str, version: int) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                sa.update(ZaloToken)
                .where(ZaloToken.token_key == token_key, ZaloToken.version == version)
                .values(refreshing_until=None)
            )

    def save_refreshed(
        self, token_key: str, version: int, access_token: str, refresh_token: str, expires_in: float
    ) -> int:
        """Store the new pair atomically; returns the new version."""
        now = utcnow()
        with session_scope(self.database_url) as session:
            result = session.execute(
                sa.update(ZaloToken)
                .where(ZaloToken.token_key == token_key, ZaloToken.version == version)
                .values(
                    access_token=access_token,
                    refresh_token=refresh_token,
                    expires_at=now + timedelta(seconds=expires_in),
                    version=version + 1,
                    refreshing_until=None,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                # Cannot happen while the lease is held; never lose a rotated refresh token.
                session.execute(
                    sa.update(ZaloToken)
                    .where(ZaloToken.token_key == token_key)
                    .values(
                        access_token=access_token,
                        refresh_token=refresh_token,
                        expires_at=now + timedelta(seconds=expires_in),
                        version=ZaloToken.version + 1,
                        refreshing_until=None,
                        updated_at=now,
                    )
                )
        return version + 1

    # --- delivery failures ------------------------------------------------------------
    def record_failure(self, user_id: str, error_code: Optional[int], message: str, kind: str) -> None:
        with session_scope(self.database_url) as session:
            session.add(
                ZaloDeliveryFailure(
                    user_hash=hash_user_id(user_id),
                    error_code=error_code,
                    error_message=(message or "")[:1000],
                    kind=kind,
                    created_at=utcnow(),
                )
            )

    def failures(self, user_id: Optional[str] = None, limit: int = 100) -> List[FailureRecord]:
        query = sa.select(ZaloDeliveryFailure).order_by(ZaloDeliveryFailure.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(ZaloDeliveryFailure.user_hash == hash_user_id(user_id))
        with session_scope(self.database_url) as session:
            return [
                FailureRecord(r.user_hash, r.error_code, r.error_message, r.kind, r.created_at)
                for r in session.execute(query).scalars()
            ]

    # --- numbered menus ------------------------------------------------------------------
    def save_menu(self, user_id: str, payloads: List[str]) -> None:
        key = hash_user_id(user_id)
        with session_scope(self.database_url) as session:
            row = session.get(ZaloPendingMenu, key)
            if row is None:
                session.add(ZaloPendingMenu(user_hash=key, payloads=list(payloads), created_at=utcnow()))
            else:
                row.payloads, row.created_at = list(payloads), utcnow()

    def pop_menu(self, user_id: str, max_age_seconds: float) -> Optional[List[str]]:
        """The user's pending menu (if fresh); it is consumed by the next message either way."""
        key = hash_user_id(user_id)
        with session_scope(self.database_url) as session:
            row = session.get(ZaloPendingMenu, key)
            if row is None:
                return None
            payloads, created = list(row.payloads), row.created_at
            session.delete(row)
        return payloads if created >= utcnow() - timedelta(seconds=max_age_seconds) else None


def tracker_has_message(database_url: Optional[str], sender_id: str, message_id: str) -> bool:
    """Whether Rasa's tracker store (table `events`, same database) already holds the
    user message `message_id`: Rasa saves a turn after its replies were sent, so such
    an event was answered even if its row here was not marked done."""
    query = sa.text(
        "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id DESC LIMIT 50"
    )
    try:
        with session_scope(database_url) as session:
            rows = session.execute(query, {"sender": sender_id}).scalars().all()
    except sa.exc.SQLAlchemyError:
        return False  # no tracker table (channel used without the SQL tracker store)
    for data in rows:
        try:
            if json.loads(data).get("message_id") == message_id:
                return True
        except (TypeError, ValueError):
            continue
    return False
