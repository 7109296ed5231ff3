"""Dates and times as customers read them, in their language and the shop's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def promise_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """Say when something will happen, e.g. "Tuesday 24 November, 11:00"."""
    return format_datetime(moment.astimezone(tz), "EEEE d MMMM, HH:mm", tzinfo=tz, locale=language)
