"""Promised times read naturally: Russian "не позднее" takes the genitive weekday and month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.telegram.dates import promise_time

MOSCOW = ZoneInfo("Europe/Moscow")
WEEKDAYS_GENITIVE = (
    "понедельника",
    "вторника",
    "среды",
    "четверга",
    "пятницы",
    "субботы",
    "воскресенья",
)
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


@pytest.mark.parametrize("day", range(7))
def test_every_russian_weekday_is_in_the_genitive(day: int) -> None:
    moment = datetime(2026, 12, 7, 8, 0, tzinfo=UTC) + timedelta(days=day)  # Monday 7 December
    text = promise_time(moment, MOSCOW, "ru")
    assert text == f"{WEEKDAYS_GENITIVE[day]}, {7 + day} декабря, 11:00"


@pytest.mark.parametrize("month", range(1, 13))
def test_every_russian_month_is_in_the_genitive(month: int) -> None:
    moment = datetime(2027, month, 15, 8, 30, tzinfo=UTC)
    weekday, date, time = promise_time(moment, MOSCOW, "ru").split(", ")
    assert weekday == WEEKDAYS_GENITIVE[moment.astimezone(MOSCOW).weekday()]
    assert date == f"15 {MONTHS_GENITIVE[month - 1]}" and time == "11:30"


def test_english_reads_as_before() -> None:
    moment = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert promise_time(moment, MOSCOW, "en") == "Monday 7 December, 11:00"
