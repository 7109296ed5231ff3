"""Tests for the working-hours calendar (bot.services.calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.calendar import (
    NeverCloses,
    NeverOpen,
    Schedule,
    add_working_time,
    callback_due,
    closings_between,
    is_open,
    next_closing,
    next_opening,
    openings_between,
    parse_hours,
    working_seconds_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZULU = ZoneInfo("UTC")
HOUR = 3600.0
TICK = timedelta(microseconds=1)

# Non-DST reference week in June 2024: Mon 3 .. Sun 9, Mon 10.
# Berlin DST 2024: spring forward Sun 31 Mar 02:00->03:00, fall back Sun 27 Oct 03:00->02:00.
# New York DST 2024: spring forward Sun 10 Mar 02:00->03:00, fall back Sun 3 Nov 02:00->01:00.


def at(y, mo, d, h=0, mi=0, tz=BERLIN, fold=0):
    return datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold)


def z(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def u(value):
    # Same-tzinfo comparisons ignore fold, so every assertion compares in UTC.
    return value.astimezone(UTC)


def office(spec="mon-fri 09:00-18:00", tz=BERLIN, **kwargs):
    return Schedule(tz=tz, weekly=parse_hours(spec), **kwargs)


# --- parse_hours --------------------------------------------------------------------------


def test_parse_hours_compact_form():
    weekly = parse_hours("mon-fri 09:00-21:00; sat 10:00-18:00; sun closed")
    assert weekly == {
        **dict.fromkeys(range(5), ((time(9), time(21)),)),
        5: ((time(10), time(18)),),
        6: (),
    }


def test_parse_hours_lists_and_multiple_ranges():
    weekly = parse_hours("mon,wed 09:00-13:00,14:00-18:00")
    assert weekly[0] == weekly[2] == ((time(9), time(13)), (time(14), time(18)))
    assert weekly[1] == weekly[3] == weekly[4] == weekly[5] == weekly[6] == ()


def test_parse_hours_24_00_end_and_past_midnight_and_loose_syntax():
    weekly = parse_hours(" Fri-Mon 22:00-02:00 ;Tuesday 9:30 - 24:00, 00:00-01:00; ")
    for day in (4, 5, 6, 0):
        assert weekly[day] == ((time(22), time(2)),)
    assert weekly[1] == ((time(0), time(1)), (time(9, 30), time(0)))
    assert weekly[2] == weekly[3] == ()


def test_parse_hours_all_day():
    assert parse_hours("sun 00:00-24:00")[6] == ((time(0), time(0)),)


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("", "empty"),
        ("   ;  ", "empty"),
        ("mon-fri", "'mon-fri'"),
        ("09:00-18:00", "'09:00-18:00'"),
        ("funday 09:00-18:00", "'funday'"),
        ("mon-fry 09:00-18:00", "'mon-fry'"),
        ("mon 9-5", "'9-5'"),
        ("mon 09:00", "'09:00'"),
        ("mon 25:00-26:00", "'25:00-26:00'"),
        ("mon 09:60-10:00", "'09:60-10:00'"),
        ("mon 24:00-02:00", "'24:00-02:00'"),
        ("mon 09:00-24:30", "'09:00-24:30'"),
        ("mon 09:00-09:00", "'09:00-09:00'"),
        ("mon 09:00-13:00,12:00-18:00", "overlap"),
        ("mon closed, 09:00-10:00", "'mon closed, 09:00-10:00'"),
        ("mon-fri 09:00-18:00; fri 10:00-12:00", "fri is given twice"),
        ("mon,mon 09:00-18:00", "twice"),
        ("sun closd", "'sun closd'"),
    ],
)
def test_parse_hours_rejects_bad_parts_by_name(spec, named):
    with pytest.raises(ValueError, match="working hours") as info:
        parse_hours(spec)
    assert named in str(info.value)


# --- Schedule validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekly": {7: ((time(9), time(10)),)}},
        {"weekly": {0: ((time(9),),)}},
        {"weekly": {0: ((time(9, tzinfo=UTC), time(10)),)}},
        {"weekly": {}, "holidays": frozenset({datetime(2024, 6, 5)})},
        {"weekly": {}, "closures": ((datetime(2024, 6, 5, 9), datetime(2024, 6, 5, 10)),)},
        {"weekly": {}, "closures": ((at(2024, 6, 5, 10), at(2024, 6, 5, 9)),)},
        {"weekly": {}, "callback_deadline": time(11, tzinfo=UTC)},
    ],
)
def test_schedule_rejects_malformed_fields(kwargs):
    with pytest.raises(ValueError, match="Schedule"):
        Schedule(tz=BERLIN, **kwargs)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        is_open(office(), datetime(2024, 6, 3, 10))
    with pytest.raises(ValueError, match="aware"):
        working_seconds_between(office(), at(2024, 6, 3), datetime(2024, 6, 4))


# --- is_open, boundaries ------------------------------------------------------------------


def test_open_interval_is_half_open():
    shop = office()
    assert not is_open(shop, at(2024, 6, 3, 9) - TICK)
    assert is_open(shop, at(2024, 6, 3, 9))
    assert is_open(shop, at(2024, 6, 3, 18) - TICK)
    assert not is_open(shop, at(2024, 6, 3, 18))


def test_midnight_boundaries():
    early = office("mon 00:00-08:00; tue 16:00-24:00")
    assert not is_open(early, at(2024, 6, 3) - TICK)  # Sunday night
    assert is_open(early, at(2024, 6, 3))
    assert is_open(early, at(2024, 6, 5) - TICK)  # Tuesday 23:59:59.999999
    assert not is_open(early, at(2024, 6, 5))
    assert [u(c) for c in closings_between(early, at(2024, 6, 3), at(2024, 6, 6))] == [
        u(at(2024, 6, 3, 8)),
        u(at(2024, 6, 5)),
    ]


def test_weekend_is_closed_and_next_opening_is_monday():
    shop = office()
    assert not is_open(shop, at(2024, 6, 8, 12))
    assert u(next_opening(shop, at(2024, 6, 7, 18))) == u(at(2024, 6, 10, 9))
    assert u(next_opening(shop, at(2024, 6, 9, 12))) == u(at(2024, 6, 10, 9))
    assert u(next_closing(shop, at(2024, 6, 8, 12))) == u(at(2024, 6, 10, 18))


def test_next_opening_is_now_when_open_and_results_are_in_schedule_zone():
    shop = office()
    now = z(2024, 6, 3, 10)  # 12:00 in Berlin
    opening = next_opening(shop, now)
    assert opening.tzinfo is BERLIN
    assert u(opening) == now
    closing = next_closing(shop, now)
    assert closing.tzinfo is BERLIN
    assert (closing.hour, closing.utcoffset()) == (18, timedelta(hours=2))


def test_next_closing_at_closing_moment_is_the_next_day():
    shop = office()
    assert u(next_closing(shop, at(2024, 6, 3, 18))) == u(at(2024, 6, 4, 18))
    assert u(next_opening(shop, at(2024, 6, 3, 18))) == u(at(2024, 6, 4, 9))


def test_holiday_closes_the_day():
    shop = office(holidays=frozenset({date(2024, 6, 5)}))
    assert not is_open(shop, at(2024, 6, 5, 12))
    assert u(next_opening(shop, at(2024, 6, 4, 19))) == u(at(2024, 6, 6, 9))
    assert [u(o) for o in openings_between(shop, at(2024, 6, 3), at(2024, 6, 8))] == [
        u(at(2024, 6, d, 9)) for d in (3, 4, 6, 7)
    ]


def test_holiday_cuts_overnight_shift_at_midnight_and_cancels_its_own_shift():
    night = office("mon-sun 22:00-02:00", holidays=frozenset({date(2024, 6, 5)}))
    assert is_open(night, at(2024, 6, 4, 23))
    assert not is_open(night, at(2024, 6, 5, 1))  # Tuesday's shift stops at the holiday
    assert not is_open(night, at(2024, 6, 5, 23))  # the holiday's own shift is cancelled
    assert not is_open(night, at(2024, 6, 6, 1))
    assert is_open(night, at(2024, 6, 6, 23))
    assert [u(c) for c in closings_between(night, at(2024, 6, 4, 12), at(2024, 6, 7, 12))] == [
        u(at(2024, 6, 5)),
        u(at(2024, 6, 7, 2)),
    ]


def test_closure_cuts_an_interval_in_half():
    closure = (at(2024, 6, 4, 12), at(2024, 6, 4, 13))
    shop = office(closures=(closure,))
    day = (at(2024, 6, 4), at(2024, 6, 5))
    assert [u(o) for o in openings_between(shop, *day)] == [
        u(at(2024, 6, 4, 9)),
        u(at(2024, 6, 4, 13)),
    ]
    assert [u(c) for c in closings_between(shop, *day)] == [
        u(at(2024, 6, 4, 12)),
        u(at(2024, 6, 4, 18)),
    ]
    assert is_open(shop, at(2024, 6, 4, 12) - TICK)
    assert not is_open(shop, at(2024, 6, 4, 12, 30))
    assert u(next_opening(shop, at(2024, 6, 4, 12, 30))) == u(at(2024, 6, 4, 13))
    assert u(next_closing(shop, at(2024, 6, 4, 10))) == u(at(2024, 6, 4, 12))
    assert working_seconds_between(shop, *day) == 8 * HOUR


def test_closure_in_another_zone_spanning_days():
    closure = (z(2024, 6, 6, 13), z(2024, 6, 10, 8))  # Thu 15:00 .. Mon 10:00 Berlin
    shop = office(closures=(closure,))
    assert u(next_opening(shop, at(2024, 6, 6, 16))) == u(at(2024, 6, 10, 10))
    assert u(next_closing(shop, at(2024, 6, 6, 10))) == u(at(2024, 6, 6, 15))


def test_past_midnight_interval():
    night = office("fri 22:00-02:00")
    assert is_open(night, at(2024, 6, 7, 23))
    assert is_open(night, at(2024, 6, 8, 1, 59))
    assert not is_open(night, at(2024, 6, 8, 2))
    assert not is_open(night, at(2024, 6, 7, 1))  # Thursday had no shift to spill over
    assert u(next_closing(night, at(2024, 6, 7, 12))) == u(at(2024, 6, 8, 2))


def test_sunday_night_shift_spills_into_monday():
    night = office("sun 20:00-03:00")
    assert is_open(night, at(2024, 6, 10, 2))
    assert u(next_opening(night, at(2024, 6, 10, 2))) == u(at(2024, 6, 10, 2))


def test_24_00_followed_by_00_00_is_one_period():
    split = office("mon 22:00-24:00; tue 00:00-02:00")
    span = (at(2024, 6, 3), at(2024, 6, 5))
    assert [u(o) for o in openings_between(split, *span)] == [u(at(2024, 6, 3, 22))]
    assert [u(c) for c in closings_between(split, *span)] == [u(at(2024, 6, 4, 2))]
    assert u(next_closing(split, at(2024, 6, 3, 23))) == u(at(2024, 6, 4, 2))


def test_between_uses_half_open_window():
    shop = office()
    assert openings_between(shop, at(2024, 6, 3, 9), at(2024, 6, 4, 9)) == [at(2024, 6, 3, 9)]
    assert closings_between(shop, at(2024, 6, 3, 18, 1), at(2024, 6, 4, 18)) == []
    assert openings_between(shop, at(2024, 6, 4), at(2024, 6, 3)) == []


# --- never open, always open --------------------------------------------------------------


def test_never_open_schedule():
    closed = Schedule(tz=BERLIN, weekly=parse_hours("mon-sun closed"))
    now = at(2024, 6, 3, 12)
    assert not is_open(closed, now)
    assert openings_between(closed, now, now + timedelta(days=30)) == []
    assert working_seconds_between(closed, now, now + timedelta(days=30)) == 0.0
    assert add_working_time(closed, now, 0) == now
    for call in (next_opening, next_closing, callback_due):
        with pytest.raises(NeverOpen):
            call(closed, now)
    with pytest.raises(NeverOpen):
        add_working_time(closed, now, 60)


def test_opening_more_than_a_year_away_is_never_open():
    far = office("mon-fri 09:00-18:00", closures=((at(2024, 1, 1), at(2025, 6, 1)),))
    with pytest.raises(NeverOpen):
        next_opening(far, at(2024, 3, 1))
    assert u(next_opening(far, at(2024, 12, 1))) == u(at(2025, 6, 2, 9))


def test_always_open_schedule():
    always = office("mon-sun 00:00-24:00")
    now = at(2024, 6, 3, 12)
    assert is_open(always, now)
    assert u(next_opening(always, now)) == u(now)
    assert openings_between(always, now, now + timedelta(days=30)) == []
    with pytest.raises(NeverCloses):
        next_closing(always, now)


# --- daylight saving time -----------------------------------------------------------------


def test_berlin_spring_forward_opening_in_the_gap_shifts_to_the_jump():
    odd = office("sun 02:30-04:00")
    opening = next_opening(odd, at(2024, 3, 30, 12))
    assert u(opening) == z(2024, 3, 31, 1)  # 03:00 CEST
    assert (opening.hour, opening.minute) == (3, 0)
    assert working_seconds_between(odd, at(2024, 3, 31), at(2024, 4, 1)) == 1 * HOUR


def test_berlin_spring_forward_day_has_23_hours_and_night_shift_ends_at_jump():
    full = office("sun 00:00-24:00")
    assert working_seconds_between(full, at(2024, 3, 30), at(2024, 4, 2)) == 23 * HOUR
    night = office("sat 22:00-02:30")
    assert u(next_closing(night, at(2024, 3, 30, 23))) == z(2024, 3, 31, 1)
    assert working_seconds_between(night, at(2024, 3, 30), at(2024, 4, 1)) == 4 * HOUR


def test_berlin_fall_back_day_has_25_hours():
    full = office("sun 00:00-24:00")
    assert working_seconds_between(full, at(2024, 10, 26), at(2024, 10, 29)) == 25 * HOUR
    night = office("sat 22:00-06:00")
    assert working_seconds_between(night, at(2024, 10, 26), at(2024, 10, 28)) == 9 * HOUR


def test_berlin_fall_back_repeated_time_means_first_occurrence():
    early = office("sun 01:00-02:30")
    assert u(next_closing(early, at(2024, 10, 27, 1, 30))) == z(2024, 10, 27, 0, 30)
    assert is_open(early, at(2024, 10, 27, 2, 15, fold=0))
    assert not is_open(early, at(2024, 10, 27, 2, 15, fold=1))
    assert working_seconds_between(early, at(2024, 10, 27), at(2024, 10, 28)) == 1.5 * HOUR
    closing = next_closing(early, at(2024, 10, 27, 1))
    assert closing.fold == 0 and closing.utcoffset() == timedelta(hours=2)


def test_new_york_spring_forward_and_fall_back():
    sunday = office("sun 01:00-04:00", tz=NEW_YORK)
    spring = (at(2024, 3, 10, tz=NEW_YORK), at(2024, 3, 11, tz=NEW_YORK))
    assert working_seconds_between(sunday, *spring) == 2 * HOUR
    fall = (at(2024, 11, 3, tz=NEW_YORK), at(2024, 11, 4, tz=NEW_YORK))
    assert working_seconds_between(sunday, *fall) == 4 * HOUR
    gap = office("sun 02:30-10:00", tz=NEW_YORK)
    assert [u(o) for o in openings_between(gap, *spring)] == [z(2024, 3, 10, 7)]  # 03:00 EDT


def test_add_working_time_across_new_york_fall_back():
    always = office("mon-sun 00:00-24:00", tz=NEW_YORK)
    result = add_working_time(always, at(2024, 11, 2, 12, tz=NEW_YORK), 24 * HOUR)
    assert u(result) == z(2024, 11, 3, 16)
    assert (result.hour, result.utcoffset()) == (11, timedelta(hours=-5))


# --- callback_due -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(2024, 6, 7, 19), at(2024, 6, 10, 11)),  # Friday evening -> Monday
        (at(2024, 6, 8, 12), at(2024, 6, 10, 11)),  # Saturday
        (at(2024, 6, 10) - TICK, at(2024, 6, 10, 11)),  # last moment of Sunday
        (at(2024, 6, 4, 2), at(2024, 6, 4, 11)),  # 02:00 Tuesday -> same morning
        (at(2024, 6, 4, 9) - TICK, at(2024, 6, 4, 11)),
        (at(2024, 6, 4, 9), at(2024, 6, 5, 11)),  # today has already opened
        (at(2024, 6, 4, 18, 30), at(2024, 6, 5, 11)),
    ],
)
def test_callback_due_next_working_morning(now, due):
    result = callback_due(office(), now)
    assert u(result) == u(due)
    assert result.tzinfo is BERLIN


def test_callback_due_skips_holidays():
    shop = office(holidays=frozenset({date(2024, 6, 5), date(2024, 6, 10)}))
    assert u(callback_due(shop, at(2024, 6, 4, 19))) == u(at(2024, 6, 6, 11))
    assert u(callback_due(shop, at(2024, 6, 5, 10))) == u(at(2024, 6, 6, 11))
    assert u(callback_due(shop, at(2024, 6, 7, 19))) == u(at(2024, 6, 11, 11))


def test_callback_due_late_opening_is_opening_plus_one_hour():
    shop = office("mon-fri 09:00-18:00; sat 12:00-16:00")
    assert u(callback_due(shop, at(2024, 6, 7, 19))) == u(at(2024, 6, 8, 13))
    assert u(callback_due(shop, at(2024, 6, 8, 8))) == u(at(2024, 6, 8, 13))
    on_the_dot = office("mon-fri 09:00-18:00; sat 11:00-16:00")
    assert u(callback_due(on_the_dot, at(2024, 6, 7, 19))) == u(at(2024, 6, 8, 12))


def test_callback_due_custom_deadline():
    shop = office(callback_deadline=time(10, 30))
    assert u(callback_due(shop, at(2024, 6, 7, 19))) == u(at(2024, 6, 10, 10, 30))


def test_callback_due_skips_day_whose_deadline_is_closed():
    covering = office(closures=((at(2024, 6, 10, 10), at(2024, 6, 10, 12)),))
    assert u(callback_due(covering, at(2024, 6, 7, 19))) == u(at(2024, 6, 11, 11))
    # A closure over the opening but not the deadline just delays the opening.
    morning = office(closures=((at(2024, 6, 10), at(2024, 6, 10, 10, 30)),))
    assert u(callback_due(morning, at(2024, 6, 7, 19))) == u(at(2024, 6, 10, 11))
    # A closure pushing the opening past the deadline triggers the late-opening rule.
    late = office(closures=((at(2024, 6, 10), at(2024, 6, 10, 11, 30)),))
    assert u(callback_due(late, at(2024, 6, 7, 19))) == u(at(2024, 6, 10, 12, 30))


def test_callback_due_across_berlin_dst():
    daily = office("mon-sun 09:00-18:00")
    assert u(callback_due(daily, at(2024, 3, 30, 20))) == z(2024, 3, 31, 9)  # 11:00 CEST
    assert u(callback_due(daily, at(2024, 10, 26, 20))) == z(2024, 10, 27, 10)  # 11:00 CET
    assert u(callback_due(daily, at(2024, 10, 27, 2, 30, fold=1))) == z(2024, 10, 27, 10)


def test_callback_due_in_new_york_spring_gap():
    gap = office("sun 02:30-10:00", tz=NEW_YORK)
    now = at(2024, 3, 9, 20, tz=NEW_YORK)
    assert u(callback_due(gap, now)) == z(2024, 3, 10, 15)  # 11:00 EDT
    # Deadline 02:30 does not exist that night: it becomes 03:00 EDT, the moment of opening.
    early = office("sun 02:30-10:00", tz=NEW_YORK, callback_deadline=time(2, 30))
    assert u(callback_due(early, now)) == z(2024, 3, 10, 8)  # 04:00 EDT


def test_callback_due_night_shift_uses_the_days_opening():
    night = office("mon-sun 22:00-02:00")
    assert u(callback_due(night, at(2024, 6, 4, 3))) == u(at(2024, 6, 4, 23))


# --- working time -------------------------------------------------------------------------


def test_add_working_time_across_a_weekend():
    shop = office()
    friday = at(2024, 6, 7, 17)
    assert u(add_working_time(shop, friday, 2 * HOUR)) == u(at(2024, 6, 10, 10))
    assert u(add_working_time(shop, friday, 1 * HOUR)) == u(at(2024, 6, 7, 18))  # at closing
    assert working_seconds_between(shop, friday, at(2024, 6, 10, 10)) == 2 * HOUR
    assert u(add_working_time(shop, at(2024, 6, 8, 12), 30 * 60)) == u(at(2024, 6, 10, 9, 30))
    assert u(add_working_time(shop, friday, 0)) == u(friday)


def test_add_working_time_over_long_spans():
    shop = office()
    start = at(2024, 6, 3, 9)
    # A week of 09:00-18:00 on weekdays is 5 x 9 h = 45 h.
    assert u(add_working_time(shop, start, 45 * HOUR)) == u(at(2024, 6, 7, 18))
    assert u(add_working_time(shop, start, 46 * HOUR)) == u(at(2024, 6, 10, 10))
    assert working_seconds_between(shop, start, at(2024, 7, 1, 9)) == 4 * 45 * HOUR


def test_add_working_time_across_berlin_dst():
    weekend = office("sat-sun 00:00-24:00")
    autumn = at(2024, 10, 26)
    assert u(add_working_time(weekend, autumn, 49 * HOUR)) == u(at(2024, 10, 28))
    assert working_seconds_between(weekend, autumn, at(2024, 10, 28)) == 49 * HOUR
    spring = at(2024, 3, 30)
    assert u(add_working_time(weekend, spring, 47 * HOUR)) == u(at(2024, 4, 1))
    assert u(add_working_time(weekend, spring, 48 * HOUR)) == u(at(2024, 4, 6, 1))
    daily = office("mon-sun 09:00-18:00")
    saturday_evening = at(2024, 3, 30, 18)
    assert u(add_working_time(daily, saturday_evening, 9 * HOUR)) == z(2024, 3, 31, 16)


def test_add_working_time_rejects_bad_amounts():
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="seconds"):
            add_working_time(office(), at(2024, 6, 3), bad)


def test_working_seconds_between_reversed_is_zero():
    assert working_seconds_between(office(), at(2024, 6, 4), at(2024, 6, 3)) == 0.0


def test_schedule_methods_delegate():
    shop = office()
    now = at(2024, 6, 7, 19)
    assert shop.is_open(now) is False
    assert u(shop.next_opening(now)) == u(at(2024, 6, 10, 9))
    assert u(shop.next_closing(now)) == u(at(2024, 6, 10, 18))
    assert u(shop.callback_due(now)) == u(at(2024, 6, 10, 11))
    assert len(shop.openings_between(now, now + timedelta(days=7))) == 5
    assert len(shop.closings_between(now, now + timedelta(days=7))) == 5
    assert shop.working_seconds_between(now, now + timedelta(days=7)) == 45 * HOUR
    assert u(shop.add_working_time(now, HOUR)) == u(at(2024, 6, 10, 10))


# --- properties ---------------------------------------------------------------------------

_half_hours = st.integers(0, 47).map(lambda n: time(n // 2, 30 * (n % 2)))
_weekly = st.dictionaries(
    st.integers(0, 6),
    st.lists(st.tuples(_half_hours, _half_hours), max_size=2).map(tuple),
    max_size=7,
)
_DST_NIGHTS = [z(2024, 3, 10, 7), z(2024, 3, 31, 1), z(2024, 10, 27, 1), z(2024, 11, 3, 6)]
_moments = st.one_of(
    st.integers(0, 366 * 96).map(lambda n: z(2024, 1, 1) + timedelta(minutes=15 * n)),
    st.builds(
        lambda base, minutes, micros: base + timedelta(minutes=minutes, microseconds=micros),
        st.sampled_from(_DST_NIGHTS),
        st.integers(-3 * 24 * 60, 3 * 24 * 60),
        st.sampled_from([0, 0, 1, 999_999]),
    ),
)
_closures = st.lists(
    st.builds(lambda s, m: (s, s + timedelta(minutes=30 * m)), _moments, st.integers(1, 96)),
    max_size=3,
).map(tuple)


@st.composite
def schedules(draw, zones=(BERLIN, NEW_YORK, ZULU)):
    return Schedule(
        tz=draw(st.sampled_from(zones)),
        weekly=draw(_weekly),
        holidays=draw(st.frozensets(st.dates(date(2024, 1, 1), date(2024, 12, 31)), max_size=4)),
        closures=draw(_closures),
        callback_deadline=draw(_half_hours),
    )


_fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fast
@given(schedules(), _moments)
def test_next_opening_is_open_and_nothing_opens_before_it(schedule, now):
    try:
        opening = next_opening(schedule, now)
    except NeverOpen:
        assert not is_open(schedule, now)
        assert openings_between(schedule, now, now + timedelta(days=30)) == []
        return
    assert u(opening) >= now
    assert is_open(schedule, opening)
    if u(opening) > now:
        assert not is_open(schedule, now)
        assert not is_open(schedule, u(opening) - TICK)
        assert openings_between(schedule, now, opening) == []
        assert working_seconds_between(schedule, now, opening) == 0.0


@_fast
@given(schedules(), _moments)
def test_next_closing_is_the_first_closing_after_now(schedule, now):
    try:
        closing = next_closing(schedule, now)
    except NeverCloses:
        assert is_open(schedule, now)
        return
    except NeverOpen:
        with pytest.raises(NeverOpen):
            next_opening(schedule, now)
        return
    assert u(closing) > now
    assert not is_open(schedule, closing)
    assert is_open(schedule, u(closing) - TICK)
    assert all(u(c) == now for c in closings_between(schedule, now, closing))


@_fast
@given(schedules(), _moments, st.integers(0, 120 * 60).map(lambda m: 60.0 * m))
def test_add_working_time_round_trips(schedule, start, seconds):
    try:
        end = add_working_time(schedule, start, seconds)
    except NeverOpen:
        with pytest.raises(NeverOpen):
            next_opening(schedule, start)
        return
    assert u(end) >= start
    assert working_seconds_between(schedule, start, end) == seconds
    if seconds:
        assert is_open(schedule, u(end) - TICK)


@_fast
@given(schedules(), _moments)
def test_openings_and_closings_are_real_edges(schedule, start):
    end = start + timedelta(days=3)
    for opening in openings_between(schedule, start, end):
        assert is_open(schedule, opening) and not is_open(schedule, u(opening) - TICK)
    for closing in closings_between(schedule, start, end):
        assert not is_open(schedule, closing) and is_open(schedule, u(closing) - TICK)


@_fast
@given(schedules(), _moments)
def test_callback_due_is_after_an_opening(schedule, now):
    try:
        due = callback_due(schedule, now)
    except NeverOpen:
        return
    assert u(due) > now
    assert openings_between(schedule, now, due)


def _oracle_is_open(schedule, moment):
    """Wall-clock reading of the rules, valid in a zone without DST."""
    local = moment.astimezone(schedule.tz)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    if today in schedule.holidays:
        return False
    if any(s <= moment < e for s, e in schedule.closures):
        return False
    yesterday = today - timedelta(days=1)
    for open_t, close_t in schedule.weekly.get(today.weekday(), ()):
        overnight = close_t <= open_t
        if open_t <= clock and (overnight or clock < close_t):
            return True
    if yesterday not in schedule.holidays:
        for open_t, close_t in schedule.weekly.get(yesterday.weekday(), ()):
            if close_t <= open_t and clock < close_t:
                return True
    return False


@settings(max_examples=80, deadline=None)
@given(schedules(zones=(ZULU,)), _moments)
def test_is_open_matches_a_wall_clock_oracle(schedule, now):
    assert is_open(schedule, now) == _oracle_is_open(schedule, now)
