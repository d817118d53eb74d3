"""Days and times on the console are Vietnamese (zoneinfo Asia/Ho_Chi_Minh), whatever the server's zone."""

from __future__ import annotations

import datetime as dt

from bot.web.console.queries import day_start_ts
from bot.web.console.sync import vn_day
from bot.web.console.views import _vn_time

UTC = dt.timezone.utc


def test_a_vietnamese_day_starts_at_17_00_utc_the_day_before():
    start = day_start_ts(dt.date(2025, 1, 2))
    assert start == dt.datetime(2025, 1, 1, 17, 0, tzinfo=UTC).timestamp()
    assert vn_day(start) == "2025-01-02"
    assert vn_day(start - 1) == "2025-01-01"


def test_times_are_shown_in_vietnamese_time():
    evening_utc = dt.datetime(2025, 6, 30, 17, 30, tzinfo=UTC)
    assert _vn_time(evening_utc.timestamp()) == "01/07/2025 00:30"
    assert _vn_time(evening_utc.replace(tzinfo=None)) == "01/07/2025 00:30"  # naive UTC from the database
    assert _vn_time(None) == ""
