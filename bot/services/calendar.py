"""Working-hours calendar: when the business is open, and the promises that depend on it.

Pure rules code: no I/O, no clock. Every function takes the current moment (or the span)
explicitly as aware datetimes, in any zone.

Conventions:

* Inputs may be aware datetimes in any zone; naive datetimes raise ``ValueError``.
* Every returned datetime is aware and expressed in ``schedule.tz``. Internally everything is
  UTC. Python compares and subtracts two datetimes that share a tzinfo by wall time, ignoring
  ``fold``, which is wrong around a fall-back hour, so callers should convert to UTC
  (``dt.astimezone(UTC)``) before comparing or subtracting results.
* An open period is half-open, ``[opening, closing)``: open at the opening moment, closed at
  the closing moment.
* Weekly intervals are local wall-clock times. ``close <= open`` means the interval runs past
  midnight into the next day (so ``(09:00, 00:00)`` is "09:00-24:00" and ``(00:00, 00:00)`` is
  the whole day). Adjacent or overlapping intervals merge into one period.
* A local time that does not exist (inside a spring-forward gap) means the moment the clocks
  jump: an opening at 02:30 on a Berlin spring-forward night opens at 03:00 CEST. A local time
  that exists twice (fall-back) means its first occurrence.
* A holiday closes its whole local date, and the intervals that start on it are cancelled
  (a 22:00-02:00 shift starting on a holiday does not run); a shift started the evening
  before stops at the holiday's midnight.
* One-off closures are cut out of whatever open periods they overlap, so a closure in the
  middle of a day yields a closing at its start and an opening at its end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "CalendarError",
    "NeverCloses",
    "NeverOpen",
    "Schedule",
    "add_working_time",
    "callback_due",
    "closings_between",
    "is_open",
    "next_closing",
    "next_opening",
    "openings_between",
    "parse_hours",
    "working_seconds_between",
]

HORIZON = timedelta(days=366)
"""How far ahead searches look before giving up."""

_CHUNK = timedelta(days=7)
_ONE_DAY = timedelta(days=1)
# A raw interval lasts at most 24 h plus a DST shift, so intervals that start two local days
# before a window cannot reach into it.
_LOOKBACK_DAYS = 2

Interval = tuple[datetime, datetime]


class CalendarError(Exception):
    """Base class for calendar errors that are not bad input."""


class NeverOpen(CalendarError):
    """The schedule has no open time within the search horizon."""


class NeverCloses(CalendarError):
    """The schedule stays open throughout the search horizon."""


@dataclass(frozen=True)
class Schedule:
    """A business's opening hours in one time zone, with holidays and one-off closures."""

    tz: ZoneInfo
    # weekday 0=Mon..6=Sun -> open intervals in local time; close <= open means the interval
    # runs past midnight into the next day
    weekly: Mapping[int, tuple[tuple[time, time], ...]]
    # closed all day (local dates)
    holidays: frozenset[date] = frozenset()
    # one-off closures, aware datetimes, [start, end)
    closures: tuple[tuple[datetime, datetime], ...] = ()
    # local
    callback_deadline: time = time(11, 0)

    def __post_init__(self) -> None:
        """Reject malformed schedules early, with a message naming the bad part."""
        if not isinstance(self.tz, tzinfo):
            raise TypeError(f"Schedule.tz must be a ZoneInfo, got {self.tz!r}")
        for weekday, intervals in self.weekly.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"Schedule.weekly: weekday must be 0..6, got {weekday!r}")
            for interval in intervals:
                if len(interval) != 2 or not all(
                    isinstance(t, time) and t.tzinfo is None for t in interval
                ):
                    raise ValueError(
                        f"Schedule.weekly[{weekday}]: {interval!r} is not a pair of naive times"
                    )
        for day in self.holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"Schedule.holidays: {day!r} is not a date")
        for closure in self.closures:
            if len(closure) != 2:
                raise ValueError(f"Schedule.closures: {closure!r} is not a (start, end) pair")
            start, end = closure
            if not (_is_aware(start) and _is_aware(end)):
                raise ValueError(f"Schedule.closures: {closure!r} must be aware datetimes")
            if not start < end:
                raise ValueError(f"Schedule.closures: {closure!r} ends before it starts")
        if not isinstance(self.callback_deadline, time) or self.callback_deadline.tzinfo:
            raise ValueError(
                f"Schedule.callback_deadline must be a naive time, got {self.callback_deadline!r}"
            )

    def is_open(self, now: datetime) -> bool:
        """See :func:`is_open`."""
        return is_open(self, now)

    def next_opening(self, now: datetime) -> datetime:
        """See :func:`next_opening`."""
        return next_opening(self, now)

    def next_closing(self, now: datetime) -> datetime:
        """See :func:`next_closing`."""
        return next_closing(self, now)

    def openings_between(self, start: datetime, end: datetime) -> list[datetime]:
        """See :func:`openings_between`."""
        return openings_between(self, start, end)

    def closings_between(self, start: datetime, end: datetime) -> list[datetime]:
        """See :func:`closings_between`."""
        return closings_between(self, start, end)

    def callback_due(self, now: datetime) -> datetime:
        """See :func:`callback_due`."""
        return callback_due(self, now)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """See :func:`working_seconds_between`."""
        return working_seconds_between(self, start, end)

    def add_working_time(self, start: datetime, seconds: float) -> datetime:
        """See :func:`add_working_time`."""
        return add_working_time(self, start, seconds)


# --- public functions -------------------------------------------------------------------


def is_open(schedule: Schedule, now: datetime) -> bool:
    """Whether the business is open at ``now`` (open periods are ``[opening, closing)``)."""
    moment = _to_utc(now, "now")
    return any(s <= moment < e for s, e in _periods(schedule, moment, moment))


def next_opening(schedule: Schedule, now: datetime) -> datetime:
    """``now`` if open, else the next opening moment (in ``schedule.tz``); NeverOpen past 366 d."""
    moment = _to_utc(now, "now")
    for window_start, periods in _chunks(schedule, moment):
        for s, e in periods:
            if s <= moment < e:
                return _local(schedule, moment)
            if window_start <= s and moment <= s:
                return _local(schedule, s)
    raise NeverOpen(f"no opening within {HORIZON.days} days after {now.isoformat()}")


def next_closing(schedule: Schedule, now: datetime) -> datetime:
    """The end of the current open period, or of the next one if closed (in ``schedule.tz``).

    Raises NeverOpen if there is no open time within 366 days, NeverCloses if the business
    stays open for the whole horizon.
    """
    moment = _to_utc(now, "now")
    seen_open = False
    for window_start, periods in _chunks(schedule, moment):
        window_end = window_start + _CHUNK
        for s, e in periods:
            if e <= moment or s >= window_end:
                continue
            seen_open = True
            # Ends beyond the window may be artefacts of where generation stopped.
            if window_start <= e < window_end:
                return _local(schedule, e)
    if seen_open:
        raise NeverCloses(f"open for the whole {HORIZON.days} days after {now.isoformat()}")
    raise NeverOpen(f"no opening within {HORIZON.days} days after {now.isoformat()}")


def openings_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The opening moments in ``[start, end)``, ascending, in ``schedule.tz``."""
    lo, hi = _to_utc(start, "start"), _to_utc(end, "end")
    if hi <= lo:
        return []
    return [_local(schedule, s) for s, _ in _periods(schedule, lo, hi) if lo <= s < hi]


def closings_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The closing moments in ``[start, end)``, ascending, in ``schedule.tz``."""
    lo, hi = _to_utc(start, "start"), _to_utc(end, "end")
    if hi <= lo:
        return []
    return [_local(schedule, e) for _, e in _periods(schedule, lo, hi) if lo <= e < hi]


def callback_due(schedule: Schedule, now: datetime) -> datetime:
    """When a customer writing at ``now`` (after hours) is promised a call back, in ``schedule.tz``.

    The due day is today if today has an opening after ``now`` and none before it, otherwise
    the first later local date with an opening (weekends and holidays have none). On that day
    the promise is ``callback_deadline`` local time, or, if the day's first opening is at or
    after the deadline, that opening plus one hour (elapsed time) so staff get time to call.
    A day whose deadline falls inside a one-off closure is skipped. Raises NeverOpen if no day
    qualifies within 366 days.
    """
    moment = _to_utc(now, "now")
    today = moment.astimezone(schedule.tz).date()
    cursor = _local_to_utc(schedule.tz, datetime.combine(today, time()))
    horizon = moment + HORIZON
    closures = _closures_utc(schedule)
    checked: date | None = None
    while cursor < horizon:
        window_end = cursor + _CHUNK
        for opening in openings_between(schedule, cursor, window_end):
            day = opening.date()
            if day == checked:
                continue  # only the first opening of a day matters
            checked = day
            if day == today and opening.astimezone(UTC) <= moment:
                continue  # today already opened: the promise moves to a later day
            deadline = _local_to_utc(schedule.tz, datetime.combine(day, schedule.callback_deadline))
            first = opening.astimezone(UTC)
            if first >= deadline:
                return _local(schedule, first + timedelta(hours=1))
            if any(s <= deadline < e for s, e in closures):
                continue
            return _local(schedule, deadline)
        cursor = window_end
    raise NeverOpen(f"no working day within {HORIZON.days} days after {now.isoformat()}")


def working_seconds_between(schedule: Schedule, start: datetime, end: datetime) -> float:
    """Seconds of open time in ``[start, end)``; 0.0 if ``end <= start``."""
    lo, hi = _to_utc(start, "start"), _to_utc(end, "end")
    if hi <= lo:
        return 0.0
    total = timedelta()
    for s, e in _periods(schedule, lo, hi):
        overlap = min(e, hi) - max(s, lo)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds()


def add_working_time(schedule: Schedule, start: datetime, seconds: float) -> datetime:
    """The moment ``seconds`` of open time have elapsed after ``start``, in ``schedule.tz``.

    ``seconds == 0`` returns ``start``; when the time runs out exactly at a closing, that
    closing moment is returned. Raises NeverOpen if a 366-day stretch has no open time.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite non-negative number, got {seconds!r}")
    cursor = _to_utc(start, "start")
    remaining = timedelta(seconds=seconds)
    if remaining == timedelta():
        return _local(schedule, cursor)
    last_work = cursor
    while cursor - last_work < HORIZON:
        window_end = cursor + _CHUNK
        for s, e in _periods(schedule, cursor, window_end):
            lo, hi = max(s, cursor), min(e, window_end)
            if hi <= lo:
                continue
            if hi - lo >= remaining:
                return _local(schedule, lo + remaining)
            remaining -= hi - lo
            last_work = hi
        cursor = window_end
    raise NeverOpen(f"no open time within {HORIZON.days} days after {last_work.isoformat()}")


# --- parsing ----------------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {name: i for names in (_DAYS, _FULL_DAYS) for i, name in enumerate(names)}
_CLAUSE_RE = re.compile(r"^(?P<days>[a-z][a-z,\-\s]*?)\s+(?P<hours>closed|\d.*)$")
_RANGE_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_hours(spec: str) -> dict[int, tuple[tuple[time, time], ...]]:
    """Parse ``"mon-fri 09:00-21:00; sat 10:00-18:00; sun closed"`` into ``Schedule.weekly``.

    Clauses are separated by ``;``; each names days (``mon``, ``mon-fri``, ``mon,wed``, full
    names, ranges may wrap like ``fri-mon``) then ``closed`` or comma-separated ``HH:MM-HH:MM``
    ranges. ``24:00`` may end a range; an end before the start runs past midnight. Every
    weekday is present in the result, unmentioned days closed. Raises ValueError naming the
    bad part.
    """
    if not spec.replace(";", "").strip():
        raise ValueError("working hours: the spec is empty; e.g. 'mon-fri 09:00-18:00'")
    result: dict[int, tuple[tuple[time, time], ...]] = dict.fromkeys(range(7), ())
    claimed: dict[int, str] = {}
    for raw_clause in spec.split(";"):
        clause = raw_clause.strip()
        if not clause:
            continue  # tolerate a trailing or doubled ';'
        match = _CLAUSE_RE.match(clause.lower())
        if match is None:
            raise ValueError(
                f"working hours: {clause!r} should be days then hours or 'closed', "
                "e.g. 'mon-fri 09:00-18:00'"
            )
        days = _parse_days(match["days"], clause)
        intervals = _parse_ranges(match["hours"], clause)
        for day in days:
            if day in claimed:
                raise ValueError(
                    f"working hours: {_DAYS[day]} is given twice, "
                    f"in {claimed[day]!r} and in {clause!r}"
                )
            claimed[day] = clause
            result[day] = intervals
    return result


def _parse_days(text: str, clause: str) -> list[int]:
    """Parse ``mon-fri,sun`` into weekday numbers."""
    days: list[int] = []
    for item in re.sub(r"\s+", "", text).split(","):
        first, sep, last = item.partition("-")
        if first not in _DAY_INDEX or (sep and last not in _DAY_INDEX):
            raise ValueError(
                f"working hours: unknown day {item!r} in {clause!r}; use mon, tue, wed, thu, "
                "fri, sat, sun, or a range like mon-fri"
            )
        start = _DAY_INDEX[first]
        stop = _DAY_INDEX[last] if sep else start
        days.extend((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    if len(set(days)) != len(days):
        raise ValueError(f"working hours: a day is listed twice in {clause!r}")
    return days


def _parse_ranges(text: str, clause: str) -> tuple[tuple[time, time], ...]:
    """Parse ``closed`` or ``09:00-13:00,14:00-18:00`` into ordered time pairs."""
    if text == "closed":
        return ()
    pairs: list[tuple[time, time]] = []
    for item in re.sub(r"\s+", "", text).split(","):
        match = _RANGE_RE.match(item)
        if match is None:
            raise ValueError(
                f"working hours: bad time range {item!r} in {clause!r}; expected HH:MM-HH:MM"
            )
        sh, sm, eh, em = (int(g) for g in match.groups())
        if sh > 23 or sm > 59:
            raise ValueError(f"working hours: bad start time in {item!r} in {clause!r}")
        if eh > 24 or em > 59 or (eh == 24 and em != 0):
            raise ValueError(f"working hours: bad end time in {item!r} in {clause!r}")
        if (sh, sm) == (eh, em):
            raise ValueError(
                f"working hours: {item!r} in {clause!r} is empty; use 00:00-24:00 for all day"
            )
        # 24:00 is stored as 00:00, which Schedule reads as "midnight at the end of the day".
        pairs.append((time(sh, sm), time(eh % 24, em)))
    pairs.sort()
    spans = [(_minutes(o), _minutes(c) + (1440 if c <= o else 0)) for o, c in pairs]
    for i in range(1, len(pairs)):
        if spans[i][0] < spans[i - 1][1]:
            raise ValueError(
                f"working hours: ranges {_fmt(pairs[i - 1])} and {_fmt(pairs[i])} overlap "
                f"in {clause!r}"
            )
    return tuple(pairs)


def _minutes(t: time) -> int:
    """Minutes since midnight."""
    return t.hour * 60 + t.minute


def _fmt(pair: tuple[time, time]) -> str:
    """Format a time pair the way the spec writes it."""
    end = "24:00" if pair[1] == time() else pair[1].strftime("%H:%M")
    return f"'{pair[0].strftime('%H:%M')}-{end}'"


# --- internals --------------------------------------------------------------------------


def _is_aware(value: object) -> bool:
    """Whether ``value`` is a datetime with a UTC offset."""
    return isinstance(value, datetime) and value.utcoffset() is not None


def _to_utc(value: datetime, name: str) -> datetime:
    """Convert an aware datetime to UTC; naive datetimes are a caller bug."""
    if not _is_aware(value):
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _local(schedule: Schedule, moment: datetime) -> datetime:
    """Express a UTC moment in the schedule's zone (fold is set correctly by astimezone)."""
    return moment.astimezone(schedule.tz)


def _local_to_utc(tz: tzinfo, naive: datetime) -> datetime:
    """Map a local wall time to UTC: first occurrence if repeated, the jump if nonexistent."""
    utc = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc
    # In a gap fold=0 reads the time with the pre-jump offset (landing after the jump) and
    # fold=1 with the post-jump offset (landing before it); bisect to the jump itself, which
    # tzdata always puts on a whole second.
    before = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = math.floor(before.timestamp()), math.ceil(utc.timestamp())
    after_offset = utc.astimezone(tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _closures_utc(schedule: Schedule) -> list[Interval]:
    """The one-off closures in UTC."""
    return [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in schedule.closures]


def _periods(schedule: Schedule, lo: datetime, hi: datetime) -> list[Interval]:
    """Merged open periods (UTC, ascending) around ``[lo, hi]``.

    Coverage of every instant in ``[lo, hi]`` is exact, as is every start and end that falls
    in it; starts and ends outside may be artefacts of where generation stopped.
    """
    tz = schedule.tz
    first = lo.astimezone(tz).date() - timedelta(days=_LOOKBACK_DAYS)
    last = hi.astimezone(tz).date() + _ONE_DAY
    raw: list[Interval] = []
    day = first
    while day <= last:
        if day not in schedule.holidays:
            for open_t, close_t in schedule.weekly.get(day.weekday(), ()):
                end_day = day + _ONE_DAY if close_t <= open_t else day
                s = _local_to_utc(tz, datetime.combine(day, open_t))
                e = _local_to_utc(tz, datetime.combine(end_day, close_t))
                if s < e:  # both ends can fall into the same DST gap
                    raw.append((s, e))
        day += _ONE_DAY
    merged = _merge(raw)
    if not merged:
        return []
    closed = [
        (
            _local_to_utc(tz, datetime.combine(h, time())),
            _local_to_utc(tz, datetime.combine(h + _ONE_DAY, time())),
        )
        for h in schedule.holidays
        if first <= h <= last + _ONE_DAY
    ]
    closed.extend(_closures_utc(schedule))
    span_lo, span_hi = merged[0][0], merged[-1][1]
    closed = _merge([(s, e) for s, e in closed if s < span_hi and e > span_lo])
    return _subtract(merged, closed) if closed else merged


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(periods: list[Interval], closed: list[Interval]) -> list[Interval]:
    """Remove the (merged, sorted) ``closed`` intervals from the (merged, sorted) periods."""
    out: list[Interval] = []
    for s, e in periods:
        cursor = s
        for cs, ce in closed:
            if ce <= cursor or cs >= e:
                continue
            if cs > cursor:
                out.append((cursor, cs))
            cursor = max(cursor, ce)
            if cursor >= e:
                break
        if cursor < e:
            out.append((cursor, e))
    return out


def _chunks(schedule: Schedule, start: datetime) -> Iterator[tuple[datetime, list[Interval]]]:
    """Yield ``(window_start, periods)`` for consecutive 7-day windows over the horizon."""
    cursor = start
    while cursor < start + HORIZON:
        yield cursor, _periods(schedule, cursor, cursor + _CHUNK)
        cursor += _CHUNK
