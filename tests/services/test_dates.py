"""Promised times read naturally: Russian "не позднее" takes the genitive weekday and month."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.content.loader import load_content
from bot.i18n import Translations
from bot.telegram.dates import policy_words, promise_time, span
from tests.conftest import ROOT

STATS_ARGS = (
    *("title", "opened", "faq", "handoffs", "frt_median", "frt_p90", "reply", "callback"),
    *("resolution", "complaints_opened", "complaints_resolved", "follow_ups"),
    *("follow_ups_problem", "csat", "ratings", "escalations"),
)

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


@pytest.mark.parametrize(
    ("seconds", "en", "ru"),
    [
        (180, "3 minutes", "3 минуты"),
        (30, "30 seconds", "30 секунд"),
        (5400, "90 minutes", "90 минут"),
    ],
)
def test_policy_periods_read_as_people_say_them(seconds: int, en: str, ru: str) -> None:
    assert span(seconds, "en") == en and span(seconds, "ru") == ru


def test_every_text_takes_the_policy_numbers_from_the_policy() -> None:
    policy = load_content(
        ROOT / "content", env={"REPLY_SLA_SECONDS": "30", "CALLBACK_DEADLINE": "10:30"}
    ).policy
    translations = Translations()
    translations.set_defaults(functools.partial(policy_words, policy))
    en, ru = translations.get("en"), translations.get("ru")
    assert "Reply promise (30 seconds) broken" in en(
        "alert-reply-manager", customer="A", id="1", minutes="1 min", link="-"
    )
    stats = ru("manager-stats", **dict.fromkeys(STATS_ARGS, "x"))
    assert "Ответы в срок (30 секунд)" in stats and "Перезвоны до 10:30" in stats
