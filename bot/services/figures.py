"""Service figures for a period, per day and per staff member, computed from the event log.

Plain functions over a session and a period, shared by the console, /stats and the daily
summary. Definitions (docs/console.md has the long form):

* first response: `waited_seconds` of the `reply_clock_stopped` event written with the
  conversation's `first_response_at` (the same staff answer sets both);
* 3-minute compliance: waits answered in time / (those + `reply_breach` events), so each
  wait counts once, answered or not; per staff member, their answers' `breached` flags;
* callback compliance: `callback_done` on time / (those + `callback_breach` events);
* resolution time: from the conversation's opening to each `resolved` event;
* satisfaction: ratings given in the period, credited to whoever last resolved the
  conversation.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Conversation,
    Customer,
    Event,
    Message,
    SatisfactionRating,
    StaffMember,
    Ticket,
    TicketKind,
)
from models.event import REPLY_BREACHED
from models.types import UTCDateTime

# Kinds counted per day as they are; handoffs and escalations are also counted by reason.
PLAIN_KINDS = (
    "faq_answered",
    "faq_helpful",
    "faq_unhelpful",
    "reply_breach",
    "callback_breach",
    "complaint_opened",
    "follow_up_sent",
    "follow_up_ok",
    "follow_up_problem",
)
REASONED_KINDS = ("handoff", "escalated")

ANSWER = col(Event.kind) == "reply_clock_stopped"
# The late answers, counted from ix_events_kind_breached_created alone: an expression index
# serves only that very expression, and no JSON is read for the many answers in time.
LATE_ANSWER = sa.and_(ANSWER, REPLY_BREACHED == sa.true())  # noqa: SIM300 - SQL, not a constant


@dataclass(frozen=True)
class Period:
    """Whole local days from `first` to `last` inclusive, in the business time zone."""

    first: date
    last: date
    tz: ZoneInfo

    def __post_init__(self) -> None:
        """Refuse a period that ends before it starts."""
        if self.last < self.first:
            raise ValueError(f"period ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        """The first moment of the period, in UTC."""
        return _midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """The first moment after the period, in UTC."""
        return _midnight(self.last + timedelta(days=1), self.tz)

    def days(self) -> list[date]:
        """Every local date of the period, in order."""
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]

    def day_of(self, moment: datetime) -> date:
        """The local date a moment falls on."""
        return moment.astimezone(self.tz).date()


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """Return today's date in the business time zone."""
    return now.astimezone(tz).date()


def day_period(day: date, tz: ZoneInfo) -> Period:
    """Return a one-day period."""
    return Period(day, day, tz)


def week_period(day: date, tz: ZoneInfo) -> Period:
    """Return the week (Monday first) up to and including `day`."""
    return Period(day - timedelta(days=day.weekday()), day, tz)


def last_days(day: date, count: int, tz: ZoneInfo) -> Period:
    """Return the `count` days ending with `day`."""
    return Period(day - timedelta(days=count - 1), day, tz)


@dataclass
class Durations:
    """A sample of durations in seconds, summarised by median and 90th percentile."""

    values: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many durations there are."""
        return len(self.values)

    @property
    def median(self) -> float | None:
        """The median, or None with no data."""
        return statistics.median(self._sorted()) if self.values else None

    @property
    def p90(self) -> float | None:
        """The 90th percentile (inclusive method), or None with no data."""
        if len(self.values) < 2:
            return self.values[0] if self.values else None
        return statistics.quantiles(self._sorted(), n=10, method="inclusive")[-1]

    def _sorted(self) -> list[float]:
        # Sorted in place once: statistics sorts a copy each time, and on sorted data that is
        # a single pass (a page asks for tens of thousands of values' median several times).
        self.values.sort()
        return self.values


@dataclass
class Rate:
    """How many of some promises were kept."""

    kept: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        """The share kept, in percent, or None when nothing was due."""
        return 100.0 * self.kept / self.total if self.total else None

    def add(self, kept: bool) -> None:
        """Count one promise."""
        self.total += 1
        self.kept += int(kept)


@dataclass
class FigureSet:
    """The service figures for one slice of a period: all of it, one day or one person."""

    conversations_opened: int = 0
    first_response: Durations = field(default_factory=Durations)
    reply_compliance: Rate = field(default_factory=Rate)
    callback_compliance: Rate = field(default_factory=Rate)
    resolution: Durations = field(default_factory=Durations)
    complaints_opened: int = 0
    complaints_resolved: int = 0
    follow_ups_sent: int = 0
    follow_ups_ok: int = 0
    follow_ups_problem: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    escalations: Counter[str] = field(default_factory=Counter)
    handoffs: Counter[str] = field(default_factory=Counter)
    faq_answered: int = 0
    faq_helpful: int = 0
    faq_unhelpful: int = 0
    replies: int = 0

    @property
    def rating_count(self) -> int:
        """How many ratings were given."""
        return sum(self.ratings.values())

    @property
    def rating_average(self) -> float | None:
        """The average score, or None without ratings."""
        count = self.rating_count
        return sum(s * n for s, n in self.ratings.items()) / count if count else None

    @property
    def handoff_total(self) -> int:
        """How many conversations went to a person."""
        return sum(self.handoffs.values())

    @property
    def escalation_total(self) -> int:
        """How many escalations to managers there were."""
        return sum(self.escalations.values())


@dataclass
class Figures:
    """The figures of a period: in total, per local day and per staff member."""

    period: Period
    total: FigureSet
    by_day: dict[date, FigureSet]
    by_staff: dict[int, FigureSet]
    staff_names: dict[int, str]

    def staff_label(self, telegram_id: int) -> str:
        """Name a staff member, falling back to their Telegram id."""
        return self.staff_names.get(telegram_id) or str(telegram_id)


class _Tally:
    """Adds counts and values to the total, their day and, when someone did it, their person."""

    def __init__(self, period: Period, managers: frozenset[int] = frozenset()) -> None:
        self.period = period
        self.managers = managers
        self.total = FigureSet()
        self.by_day = {day: FigureSet() for day in period.days()}
        self.by_staff: dict[int, FigureSet] = {}
        self._days: dict[Any, date] = {}

    def person(self, actor: int | None) -> FigureSet | None:
        """The figures of the staff member who did something, if a person did."""
        if actor is None:
            return None
        found = self.by_staff.get(actor)
        if found is None:  # not setdefault: it would build a FigureSet for every row
            found = self.by_staff[actor] = FigureSet()
        return found

    def sets(self, day: Any, actor: int | None = None) -> list[FigureSet]:
        """The total, the day's (a date, or its ISO text from SQLite) and the person's."""
        found = [self.total]
        local = self._day(day)
        if local is not None and local in self.by_day:
            found.append(self.by_day[local])
        person = self.person(actor)
        if person is not None:
            found.append(person)
        return found

    def _day(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        parsed = self._days.get(value)
        if parsed is None:
            parsed = self._days[value] = date.fromisoformat(str(value))
        return parsed

    def durations(
        self,
        groups: Iterable[tuple[Any, int | None, list[float]]],
        pick: Callable[[FigureSet], Durations],
    ) -> None:
        """Add each (day, person) group's durations in seconds to its total, day and person."""
        for day, actor, values in groups:
            if values:
                for figures in self.sets(day, actor):
                    pick(figures).values.extend(values)


def _count_into(figures: FigureSet, kind: str, reason: str | None, n: int) -> None:
    if kind == "handoff":
        figures.handoffs[reason or "unknown"] += n
    elif kind == "escalated":
        figures.escalations[reason or "unknown"] += n
    elif kind == "reply_breach":
        figures.reply_compliance.total += n
    elif kind == "callback_breach":
        figures.callback_compliance.total += n
    else:
        name = {
            "faq_answered": "faq_answered",
            "faq_helpful": "faq_helpful",
            "faq_unhelpful": "faq_unhelpful",
            "complaint_opened": "complaints_opened",
            "follow_up_sent": "follow_ups_sent",
            "follow_up_ok": "follow_ups_ok",
            "follow_up_problem": "follow_ups_problem",
        }[kind]
        setattr(figures, name, getattr(figures, name) + n)


def _in_period(period: Period, column: Any) -> Any:
    return sa.and_(column >= period.start, column < period.end)


def _days(period: Period) -> Any:
    """The period's local days as a table: (n, first moment, first moment of the next day).

    Counting one kind per day is then counting a range of an index, (kind, created_at) or
    opened_at, for each day: no date is computed and nothing is sorted for each of a long
    period's events (on SQLite that took most of the time). The bounds come from zoneinfo,
    so a day with a clock change is 23 or 25 hours long.
    """
    bounds = [
        (n, _midnight(day, period.tz), _midnight(day + timedelta(days=1), period.tz))
        for n, day in enumerate(period.days())
    ]
    columns = (
        sa.column("n", sa.Integer),
        sa.column("start", UTCDateTime()),
        sa.column("stop", UTCDateTime()),
    )
    return sa.values(*columns, name="days").data(bounds).cte("days")


def _count_per_day(days: Any, *conditions: Any, moment: Any = None) -> Any:
    """How many events (or rows `moment` belongs to) meet the conditions on each day."""
    moment = col(Event.created_at) if moment is None else moment
    return (
        sa.select(sa.func.count())
        .where(*conditions, moment >= days.c.start, moment < days.c.stop)
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=64)  # every query of a page asks again for the same period
def _offsets(period: Period) -> tuple[tuple[datetime | None, int], ...]:
    """Split the period where the zone's UTC offset changes: (until, offset in minutes)."""

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(period.tz).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    segments: list[tuple[datetime | None, int]] = []
    current = offset(period.start)
    day = period.start
    while day < period.end:
        step = min(day + timedelta(days=1), period.end)
        if offset(step - timedelta(seconds=1)) != current:
            low, high = day, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            segments.append((high, current))
            current = offset(high)
        day = step
    segments.append((None, current))
    return tuple(segments)


def _local_day(column: Any, period: Period, dialect: str) -> Any:
    """The local date of a UTC column, computed by the database (no row parsing here)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone(period.tz.key, column), sa.Date)
    # SQLite keeps naive UTC text; date() shifts it by the zone's offset, segment by segment.
    segments = _offsets(period)
    cases = [
        (column < until, sa.func.date(column, f"{minutes:+d} minutes"))
        for until, minutes in segments
        if until is not None
    ]
    last = sa.func.date(column, f"{segments[-1][1]:+d} minutes")
    return sa.case(*cases, else_=last) if cases else last  # ISO text, parsed once per day


def _seconds_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.cast(sa.func.extract("epoch", later - earlier), sa.Float)
    # Julian days are floats: good to a few microseconds, rounded off by the caller.
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _all_values(value: Any, dialect: str) -> Any:
    """Every value of a group in one cell: a list on PostgreSQL, text on SQLite.

    One row per day and person instead of one per duration: most of the time a long period
    took went into turning a row per duration into Python objects.
    """
    if dialect == "postgresql":
        return sa.func.array_agg(value)
    # quote() writes a REAL so that it reads back as the very same double (or as NULL).
    return sa.func.group_concat(sa.func.quote(value))


def _values(cell: Any) -> list[float]:
    """The numbers of an `_all_values` cell, without the NULLs."""
    if cell is None:
        return []
    if isinstance(cell, str):
        return [float(v) for v in cell.split(",") if v != "NULL"]
    return [float(v) for v in cell if v is not None]


async def _rows(session: AsyncSession, stmt: Any) -> list[Any]:
    connection = await session.connection()  # core rows: cheaper than ORM entities
    return list((await connection.execute(stmt)).all())


# Side by side on at most this many connections: the console reader's pool keeps five, and
# a connection opened beyond them (then closed) starts with a cold SQLite page cache.
LANES = 4


async def compute_figures(
    session: AsyncSession,
    period: Period,
    *,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    managers: frozenset[int] = frozenset(),
) -> Figures:
    """Compute every figure of the period; the database groups, Python only adds up.

    With `sessions`, the queries run side by side on up to `LANES` connections of their own.
    `managers` (MANAGER_IDS) and the staff table name the people whose chats are not opened
    conversations.
    """
    tally = _Tally(period, managers)
    dialect = session.get_bind().dialect.name
    # The costliest first, so that the lanes finish together.
    steps = [
        _first_responses,
        _daily_counts,
        _resolutions,
        _replies_by_person,
        _ratings,
        _reasoned_events,
        _complaints_resolved,
        _callbacks_done,
    ]
    if sessions is None:
        for step in steps:
            await step(session, period, dialect, tally)
    else:

        async def lane() -> None:
            async with sessions() as own:
                if dialect == "postgresql":
                    # JIT compiling took longer (up to 0.15 s) than running these queries:
                    # the estimated cost of per-day counts is far above the real one.
                    await (await own.connection()).execute(sa.text("SET LOCAL jit = off"))
                while steps:
                    await steps.pop(0)(own, period, dialect, tally)

        # Each step adds to the tally only after its query: one event loop, no races.
        await asyncio.gather(*(lane() for _ in range(LANES)))
    names = await _staff_names(session, tally.by_staff)
    return Figures(period, tally.total, tally.by_day, tally.by_staff, names)


async def _daily_counts(session: AsyncSession, period: Period, dialect: str, tally: _Tally) -> None:
    """Everything counted per day without a reason or a person: one count per day and kind."""
    days = _days(period)
    stmt = sa.select(
        days.c.n,
        _count_per_day(
            days, *_opened_by_a_customer(tally.managers), moment=col(Conversation.opened_at)
        ),
        _count_per_day(days, ANSWER),
        _count_per_day(days, LATE_ANSWER),
        *(_count_per_day(days, col(Event.kind) == kind) for kind in PLAIN_KINDS),
    )
    dates = period.days()
    for n, opened, answers, late_answers, *per_kind in await _rows(session, stmt):
        # A late answer's wait already counts as broken through its reply_breach event.
        on_time = int(answers) - int(late_answers)
        for figures in tally.sets(dates[n]):
            figures.conversations_opened += int(opened)
            figures.replies += int(answers)
            figures.reply_compliance.kept += on_time
            figures.reply_compliance.total += on_time
            for kind, count in zip(PLAIN_KINDS, per_kind, strict=True):
                _count_into(figures, kind, None, int(count))


def _opened_by_a_customer(managers: frozenset[int]) -> tuple[Any, ...]:
    """Conversations a customer opened by writing: not a rating tap, not the staff's own chat.

    Every private update starts a conversation when none is open, so a rating tap after a
    resolution and a manager's /console each start one; neither is a customer's matter.
    """
    wrote = (
        sa.select(sa.literal(1))
        .where(
            col(Message.conversation_id) == col(Conversation.id),
            col(Message.direction) == "in",
            col(Message.author_kind) == "customer",
        )
        .exists()
    )
    staff: sa.ColumnElement[bool] = col(Customer.telegram_id).in_(
        sa.select(col(StaffMember.telegram_id))
    )
    if managers:
        staff = sa.or_(staff, col(Customer.telegram_id).in_(sorted(managers)))
    not_staff = col(Conversation.customer_id).not_in(sa.select(col(Customer.id)).where(staff))
    return wrote, not_staff


async def _reasoned_events(
    session: AsyncSession, period: Period, dialect: str, tally: _Tally
) -> None:
    day = _local_day(col(Event.created_at), period, dialect).label("day")
    # Only escalations by a person are theirs; handoffs are the bot's.
    actor = sa.case((col(Event.kind) == "escalated", col(Event.actor_telegram_id))).label("actor")
    stmt = (
        sa.select(day, col(Event.kind), col(Event.reason), actor, sa.func.count())
        .where(col(Event.kind).in_(REASONED_KINDS), _in_period(period, col(Event.created_at)))
        .group_by(day, col(Event.kind), col(Event.reason), actor)
    )
    for moment, kind, reason, who, n in await _rows(session, stmt):
        for figures in tally.sets(moment, who):
            _count_into(figures, kind, reason, int(n))


async def _replies_by_person(
    session: AsyncSession, period: Period, dialect: str, tally: _Tally
) -> None:
    # Each person's answers over the whole period, and which of them were late.
    actor = col(Event.actor_telegram_id)
    in_period = _in_period(period, col(Event.created_at))
    every = sa.select(actor, sa.func.count()).where(ANSWER, in_period).group_by(actor)
    late = sa.select(actor, sa.func.count()).where(LATE_ANSWER, in_period).group_by(actor)
    late_counts = {who: int(n) for who, n in await _rows(session, late)}
    for who, n in await _rows(session, every):
        person = tally.person(who)
        if person is not None:
            person.replies += int(n)
            person.reply_compliance.total += int(n)
            person.reply_compliance.kept += int(n) - late_counts.get(who, 0)


async def _first_responses(
    session: AsyncSession, period: Period, dialect: str, tally: _Tally
) -> None:
    # The first answer stops the clock at the very moment it sets first_response_at.
    day = _local_day(col(Event.created_at), period, dialect).label("day")
    waited = col(Event.data)["waited_seconds"].as_float()
    stmt = (
        sa.select(day, col(Event.actor_telegram_id), _all_values(waited, dialect))
        .select_from(Conversation)
        .join(
            Event,
            sa.and_(
                col(Event.conversation_id) == col(Conversation.id),
                col(Event.created_at) == col(Conversation.first_response_at),
                col(Event.kind) == "reply_clock_stopped",
            ),
            # SQLite keeps a LEFT JOIN's order: it walks the period's conversations and finds
            # each one's answer by (conversation, time), instead of every answer of the period
            # (the conversations without one come back as NULLs and are dropped). PostgreSQL
            # hashes the conversations and is slower that way.
            isouter=dialect == "sqlite",
        )
        .where(_in_period(period, col(Conversation.first_response_at)))
        .group_by(day, col(Event.actor_telegram_id))
    )
    rows = await _rows(session, stmt)
    tally.durations(
        ((day, actor, _values(cell)) for day, actor, cell in rows),
        lambda figures: figures.first_response,
    )


async def _callbacks_done(
    session: AsyncSession, period: Period, dialect: str, tally: _Tally
) -> None:
    day = _local_day(col(Event.created_at), period, dialect).label("day")
    on_time = col(Event.data)["on_time"].as_boolean().label("on_time")
    stmt = (
        sa.select(day, col(Event.actor_telegram_id), on_time, sa.func.count())
        .where(col(Event.kind) == "callback_done", _in_period(period, col(Event.created_at)))
        .group_by(day, col(Event.actor_telegram_id), on_time)
    )
    for moment, actor, kept, n in await _rows(session, stmt):
        count = int(n)
        # A late callback already counted as a breach at the deadline; count it once.
        if kept:
            for figures in tally.sets(moment, actor):
                figures.callback_compliance.kept += count
                figures.callback_compliance.total += count
        elif (person := tally.person(actor)) is not None:
            person.callback_compliance.total += count


async def _resolutions(session: AsyncSession, period: Period, dialect: str, tally: _Tally) -> None:
    day = _local_day(col(Event.created_at), period, dialect).label("day")
    seconds = _seconds_between(col(Event.created_at), col(Conversation.opened_at), dialect)
    stmt = (
        sa.select(day, col(Event.actor_telegram_id), _all_values(seconds, dialect))
        .join(Conversation, col(Conversation.id) == col(Event.conversation_id))
        .where(col(Event.kind) == "resolved", _in_period(period, col(Event.created_at)))
        .group_by(day, col(Event.actor_telegram_id))
    )
    rows = await _rows(session, stmt)
    tally.durations(
        ((day, actor, [max(round(v, 3), 0.0) for v in _values(cell)]) for day, actor, cell in rows),
        lambda figures: figures.resolution,
    )


async def _complaints_resolved(
    session: AsyncSession, period: Period, dialect: str, tally: _Tally
) -> None:
    day = _local_day(col(Event.created_at), period, dialect).label("day")
    target = col(Event.data)["to"].as_string()
    # The ticket's kind looked up for each of the period's few status changes: joined instead,
    # PostgreSQL guessed a handful of rows (it cannot estimate a JSON condition) and merged
    # along the whole ticket index of the events.
    ticket_kind = (
        sa.select(col(Ticket.kind)).where(col(Ticket.id) == col(Event.ticket_id)).scalar_subquery()
    )
    stmt = (
        sa.select(day, col(Event.actor_telegram_id), sa.func.count())
        .where(
            col(Event.kind) == "ticket_status",
            ticket_kind == TicketKind.COMPLAINT,
            target == "resolved",
            _in_period(period, col(Event.created_at)),
        )
        .group_by(day, col(Event.actor_telegram_id))
    )
    for moment, actor, n in await _rows(session, stmt):
        for figures in tally.sets(moment, actor):
            figures.complaints_resolved += int(n)


async def _ratings(session: AsyncSession, period: Period, dialect: str, tally: _Tally) -> None:
    resolver = (
        select(Event.actor_telegram_id)
        .where(
            Event.conversation_id == SatisfactionRating.conversation_id,
            Event.kind == "resolved",
            col(Event.created_at) <= SatisfactionRating.created_at,
        )
        .order_by(col(Event.created_at).desc(), col(Event.id).desc())
        .limit(1)
        .scalar_subquery()
        .label("resolver")
    )
    day = _local_day(col(SatisfactionRating.created_at), period, dialect).label("day")
    stmt = (
        sa.select(day, col(SatisfactionRating.score), resolver, sa.func.count())
        .where(_in_period(period, col(SatisfactionRating.created_at)))
        .group_by(day, col(SatisfactionRating.score), resolver)
    )
    for moment, score, actor, n in await _rows(session, stmt):
        for figures in tally.sets(moment, actor):
            figures.ratings[int(score)] += int(n)


async def _staff_names(session: AsyncSession, people: Iterable[int]) -> dict[int, str]:
    ids = list(people)
    if not ids:
        return {}
    stmt = select(StaffMember.telegram_id, StaffMember.name, StaffMember.username).where(
        col(StaffMember.telegram_id).in_(ids)
    )
    rows = (await session.exec(stmt)).all()
    return {tid: name or (f"@{username}" if username else str(tid)) for tid, name, username in rows}
