"""Dates and times as customers read them, in their language and the shop's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

# "By" governs the genitive in Russian ("не позднее понедельника, 7 декабря"). CLDR has the
# genitive month names (Babel's "d MMMM" gives "7 декабря") but only nominative weekdays,
# so the weekday is taken from here, Monday first, for languages that inflect it.
_WEEKDAY_AFTER_BY = {
    "ru": (
        "понедельника",
        "вторника",
        "среды",
        "четверга",
        "пятницы",
        "субботы",
        "воскресенья",
    ),
}


def promise_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """Say by when: "Monday 7 December, 11:00", "понедельника, 7 декабря, 11:00"."""
    local = moment.astimezone(tz)
    weekdays = _WEEKDAY_AFTER_BY.get(language)
    if weekdays is None:
        return format_datetime(local, "EEEE d MMMM, HH:mm", tzinfo=tz, locale=language)
    rest = format_datetime(local, "d MMMM, HH:mm", tzinfo=tz, locale=language)
    return f"{weekdays[local.weekday()]}, {rest}"
