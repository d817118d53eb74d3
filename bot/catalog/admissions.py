"""The admission calendar: steps of the enrolment season, by school year and track."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalog.models import CalendarEvent


def admission_calendar(
    session: Session, school_year: Optional[str] = None, track: Optional[str] = None
) -> List[CalendarEvent]:
    """Admission steps, ordered by date (undated last); `school_year` None = the latest year recorded."""
    year = school_year or latest_school_year(session)
    if year is None:
        return []
    statement = select(CalendarEvent).where(CalendarEvent.school_year == year)
    if track is not None:
        statement = statement.where(CalendarEvent.track == track)
    events = list(session.execute(statement).scalars())
    events.sort(key=lambda e: (e.date_from is None, e.date_from or dt.date.min, e.id))
    return events


def latest_school_year(session: Session) -> Optional[str]:
    return session.execute(select(func.max(CalendarEvent.school_year))).scalar_one_or_none()
