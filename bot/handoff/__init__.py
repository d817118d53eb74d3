"""Callback requests: a family asked for a person to call them back.

Written by the action server (actions/handoff.py, the `request_human` form) and
worked by the counsellors' console (bot/web/console). This is the only place
a phone number is kept, and only with the family's consent (`consent_at`). The
tables are created by the console's Alembic branch (console_0001).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, relationship

from bot.db import Base, as_naive_utc, utcnow
from bot.privacy import mask_pii

CALLBACK_STATUSES = ("new", "contacted", "closed")
CALLBACK_OPEN_STATUSES = ("new", "contacted")


class CallbackRequest(Base):
    """A family asked for a person to call back. The only table holding a phone
    number, kept because the user consented (`consent_at`)."""

    __tablename__ = "callback_requests"
    __table_args__ = (sa.Index("ix_callback_requests_status", "status", "created_at"),)

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(64), nullable=False)
    phone = sa.Column(sa.String(32), nullable=False)
    preferred_time = sa.Column(sa.String(200), nullable=False, default="")
    consent_at = sa.Column(sa.DateTime, nullable=False)
    user_role = sa.Column(sa.String(32))
    area = sa.Column(sa.String(64))
    note = sa.Column(sa.Text)
    status = sa.Column(sa.String(16), nullable=False, default="new")
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status_changed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status_changed_by = sa.Column(sa.String(64), nullable=False, default="assistant")

    history = relationship(
        "CallbackStatusChange",
        order_by="CallbackStatusChange.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="request",
    )


class CallbackStatusChange(Base):
    __tablename__ = "callback_status_changes"

    id = sa.Column(sa.Integer, primary_key=True)
    request_id = sa.Column(
        sa.Integer, sa.ForeignKey("callback_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status = sa.Column(sa.String(16))
    to_status = sa.Column(sa.String(16), nullable=False)
    changed_by = sa.Column(sa.String(64), nullable=False)
    changed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    comment = sa.Column(sa.Text, nullable=False, default="")

    request = relationship(CallbackRequest, back_populates="history")


_PHONE_CHARS = re.compile(r"^[0-9+().\-\s]+$")


def normalise_phone(phone: str) -> str:
    """Digits only, +84 written as 0; ValueError if it is not a Vietnamese number."""
    raw = (phone or "").strip()
    if not raw or not _PHONE_CHARS.match(raw):
        raise ValueError("phone must be a Vietnamese phone number")
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not (digits.startswith("0") and len(digits) in (10, 11)):
        raise ValueError("phone must be a Vietnamese phone number")
    return digits


def create_callback_request(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    phone: str,
    preferred_time: str,
    consent_at: dt.datetime,
    user_role: Optional[str] = None,
    area: Optional[str] = None,
    note: Optional[str] = None,
) -> CallbackRequest:
    """Queue a call-back for the counsellors (called by the `request_human` action).

    The phone is normalised to national digits (0xxxxxxxxx); ValueError when it
    is not a Vietnamese number or when consent_at is missing. The caller owns
    the transaction (the row is flushed, not committed).
    """
    if consent_at is None:
        raise ValueError("consent_at is required: a phone number is only kept with consent")
    if not sender_id:
        raise ValueError("sender_id is required")
    now = utcnow()
    request = CallbackRequest(
        sender_id=sender_id,
        channel=channel or "",
        phone=normalise_phone(phone),
        preferred_time=mask_pii((preferred_time or "").strip())[:200],  # a free-text answer: mask it
        consent_at=as_naive_utc(consent_at),
        user_role=user_role,
        area=area,
        note=note,
        status="new",
        created_at=now,
        status_changed_at=now,
        status_changed_by="assistant",
    )
    request.history.append(
        CallbackStatusChange(from_status=None, to_status="new", changed_by="assistant", changed_at=now)
    )
    session.add(request)
    session.flush()
    return request


def change_callback_status(
    session: Session, request: CallbackRequest, status: str, *, by: str, comment: str = ""
) -> None:
    if status not in CALLBACK_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    now = utcnow()
    request.history.append(
        CallbackStatusChange(
            from_status=request.status, to_status=status, changed_by=by, changed_at=now, comment=comment
        )
    )
    request.status = status
    request.status_changed_at = now
    request.status_changed_by = by
