"""Service figures from the event log: exact numbers for an exact world."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.figures import (
    Durations,
    Period,
    compute_figures,
    day_period,
    last_days,
    local_today,
    week_period,
)
from tests.console.world import ANNA, NOW, World

MOSCOW = ZoneInfo("Europe/Moscow")
WEDNESDAY = date(2026, 11, 18)


def test_periods_are_whole_local_days() -> None:
    period = day_period(WEDNESDAY, MOSCOW)
    assert period.start == datetime(2026, 11, 17, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 18, 21, 0, tzinfo=UTC)
    week = week_period(WEDNESDAY, MOSCOW)
    assert (week.first, week.last) == (date(2026, 11, 16), WEDNESDAY)
    assert len(last_days(WEDNESDAY, 30, MOSCOW).days()) == 30
    # 23:30 UTC on the 17th is already the 18th in Moscow.
    assert local_today(datetime(2026, 11, 17, 23, 30, tzinfo=UTC), MOSCOW) == WEDNESDAY
    with pytest.raises(ValueError, match="before it starts"):
        Period(WEDNESDAY, date(2026, 11, 1), MOSCOW)


def test_median_and_90th_percentile() -> None:
    assert Durations([]).median is None and Durations([]).p90 is None
    assert Durations([42.0]).p90 == 42.0
    sample = Durations([float(n) for n in range(1, 11)])
    assert sample.median == 5.5
    assert sample.p90 == pytest.approx(9.1)


async def test_a_day_of_figures(session, world: World) -> None:
    figures = await compute_figures(session, day_period(WEDNESDAY, MOSCOW))
    total = figures.total
    assert total.conversations_opened == 3
    assert sorted(total.first_response.values) == [120.0, 360.0]
    assert total.first_response.median == 240.0
    assert total.first_response.p90 == pytest.approx(336.0)
    # One wait answered in time, one broken (counted once, by its breach).
    assert (total.reply_compliance.kept, total.reply_compliance.total) == (1, 2)
    assert (total.callback_compliance.kept, total.callback_compliance.total) == (1, 2)
    assert total.resolution.values == [600.0]
    assert (total.complaints_opened, total.complaints_resolved) == (1, 0)
    assert dict(total.ratings) == {5: 1} and total.rating_average == 5.0
    assert dict(total.escalations) == {"insult": 1}
    assert dict(total.handoffs) == {"person": 1, "return": 1}
    assert total.faq_answered == 0 and total.replies == 2
    assert figures.by_day[WEDNESDAY].reply_compliance.percent == 50.0


async def test_per_staff_member(session, world: World) -> None:
    figures = await compute_figures(session, day_period(WEDNESDAY, MOSCOW))
    assert list(figures.by_staff) == [ANNA]
    anna = figures.by_staff[ANNA]
    assert anna.replies == 2
    assert (anna.reply_compliance.kept, anna.reply_compliance.total) == (1, 2)
    assert anna.resolution.count == 1
    assert (anna.callback_compliance.kept, anna.callback_compliance.total) == (1, 1)
    assert dict(anna.ratings) == {5: 1}  # the rating goes to whoever resolved
    assert figures.staff_label(ANNA) == "Anna"
    assert figures.staff_label(123) == "123"


async def test_a_week_per_day(session, world: World) -> None:
    figures = await compute_figures(session, week_period(WEDNESDAY, MOSCOW))
    monday = figures.by_day[date(2026, 11, 16)]
    assert monday.faq_answered == 1 and monday.faq_helpful == 1
    assert monday.conversations_opened == 1
    assert figures.by_day[date(2026, 11, 17)].conversations_opened == 0
    assert figures.total.conversations_opened == 4
    assert sum(d.handoff_total for d in figures.by_day.values()) == figures.total.handoff_total


async def test_an_empty_period_has_no_numbers(session, world: World) -> None:
    figures = await compute_figures(session, day_period(date(2026, 1, 1), MOSCOW))
    total = figures.total
    assert total.first_response.median is None
    assert total.reply_compliance.percent is None
    assert total.rating_average is None
    assert figures.by_staff == {}
    assert NOW  # the world exists, the period simply holds none of it


async def test_days_follow_the_clock_change(session) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # summer time ends at 03:00 on 25 October 2026
    from tests.console.world import Builder

    b = Builder(session)
    customer = await b.customer(730001, "Dora")
    conv = await b.conversation(customer, datetime(2026, 10, 20, tzinfo=UTC))
    for moment in (
        datetime(2026, 10, 24, 21, 30, tzinfo=UTC),  # 23:30 summer time, the 24th
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 summer time, the 25th
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 winter time, the 25th
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 00:30 winter time, the 26th
    ):
        await b.event("faq_answered", moment, conv)
    await session.commit()
    figures = await compute_figures(session, Period(date(2026, 10, 24), date(2026, 10, 26), berlin))
    assert [figures.by_day[d].faq_answered for d in figures.period.days()] == [1, 2, 1]
