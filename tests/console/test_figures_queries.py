"""How the figures are queried: side by side, per day by index ranges, durations exact."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.read_engine import create_reader
from bot.db import create_sessionmaker
from bot.services.figures import (
    LATE_ANSWER,
    Durations,
    FigureSet,
    Period,
    Rate,
    compute_figures,
    last_days,
)
from models import Event, Ticket
from tests.console.world import ANNA, BORIS, DAY, Builder, World, minutes

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")  # summer time ends at 03:00 on 25 October 2026


def _numbers(figures: FigureSet) -> dict[str, Any]:
    """Every figure of a set, durations sorted, so that two sets compare field by field."""
    found: dict[str, Any] = {}
    for item in dataclasses.fields(figures):
        value = getattr(figures, item.name)
        if isinstance(value, Durations):
            value = sorted(value.values)
        elif isinstance(value, Rate):
            value = (value.kept, value.total)
        found[item.name] = dict(value) if isinstance(value, dict) else value
    return found


async def test_side_by_side_gives_what_one_by_one_gives(
    engine: AsyncEngine, database_url: str, world: World
) -> None:
    reader = create_reader(database_url, engine)  # the console's reader, as /figures uses it
    lanes = create_sessionmaker(reader)
    period = last_days(date(2026, 11, 18), 7, MOSCOW)
    async with lanes() as session:
        apart = await compute_figures(session, period, sessions=lanes)
    async with lanes() as session:
        together = await compute_figures(session, period)
    if reader is not engine:
        await reader.dispose()
    assert together.total.replies == 2 and together.total.conversations_opened == 4
    assert _numbers(apart.total) == _numbers(together.total)
    assert {d: _numbers(f) for d, f in apart.by_day.items()} == {
        d: _numbers(f) for d, f in together.by_day.items()
    }
    assert {p: _numbers(f) for p, f in apart.by_staff.items()} == {
        p: _numbers(f) for p, f in together.by_staff.items()
    }
    assert apart.staff_names == together.staff_names == {ANNA: "Anna"}


async def test_counts_per_day_follow_the_clock_change(session: AsyncSession) -> None:
    b = Builder(session)
    customer = await b.customer(730002, "Emil")
    summer_night = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 summer time, the 25th
    winter_night = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 winter time, the 25th
    next_night = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # 00:30 winter time, the 26th
    for opened, late in ((summer_night, False), (winter_night, True), (next_night, False)):
        conv = await b.conversation(customer, opened, first_response_at=opened + minutes(4))
        await b.message(conv, customer, opened, "Where is my order?")
        await b.event(
            "reply_clock_stopped",
            opened + minutes(4),
            conv,
            actor_kind="staff",
            actor_telegram_id=ANNA,
            data={"waited_seconds": 240.0, "breached": late},
        )
        if late:
            await b.event("reply_breach", opened + minutes(3), conv)
    await session.commit()
    figures = await compute_figures(session, Period(date(2026, 10, 24), date(2026, 10, 26), BERLIN))
    days = [figures.by_day[d] for d in figures.period.days()]
    assert [d.conversations_opened for d in days] == [0, 2, 1]
    assert [d.replies for d in days] == [0, 2, 1]
    # The 25th (25 hours long): one answer in time, one late and its breach.
    assert [(d.reply_compliance.kept, d.reply_compliance.total) for d in days] == [
        (0, 0),
        (1, 2),
        (1, 1),
    ]
    anna = figures.by_staff[ANNA]
    assert (anna.replies, anna.reply_compliance.kept, anna.reply_compliance.total) == (3, 2, 3)


async def test_durations_read_back_exactly(session: AsyncSession) -> None:
    b = Builder(session)
    customer = await b.customer(730003, "Fiona")
    opened = DAY - timedelta(days=1)
    answered = opened + timedelta(seconds=0.1 + 0.2)
    conv = await b.conversation(customer, opened, first_response_at=answered)
    # A wait no short decimal writes: SQLite's text of a REAL would have read back 0.3.
    await b.event(
        "reply_clock_stopped",
        answered,
        conv,
        actor_kind="staff",
        actor_telegram_id=ANNA,
        data={"waited_seconds": 0.1 + 0.2, "breached": False},
    )
    await b.event(
        "resolved",
        opened + timedelta(hours=1, microseconds=123456),
        conv,
        actor_kind="staff",
        actor_telegram_id=ANNA,
    )
    await session.commit()
    figures = await compute_figures(session, last_days(DAY.date(), 3, MOSCOW))
    assert figures.total.first_response.values == [0.30000000000000004]
    assert figures.by_staff[ANNA].first_response.values == [0.30000000000000004]
    assert figures.total.resolution.values == [3600.123]


async def test_only_complaints_resolved_count(session: AsyncSession) -> None:
    b = Builder(session)
    customer = await b.customer(730004, "Gleb")
    conv = await b.conversation(customer, DAY)
    tickets = {}
    for number, kind in (("C-000101", "complaint"), ("R-000102", "return")):
        tickets[kind] = await b.add(
            Ticket(
                number=number,
                kind=kind,
                status="resolved",
                customer_id=customer.id,
                conversation_id=conv.id,
                description="x",
                created_at=DAY,
                updated_at=DAY,
            )
        )
    for kind, status, who in (
        ("complaint", "in_progress", ANNA),
        ("complaint", "resolved", BORIS),
        ("return", "resolved", ANNA),
    ):
        await b.event(
            "ticket_status",
            DAY + minutes(30),
            conv,
            ticket_id=tickets[kind].id,
            actor_kind="staff",
            actor_telegram_id=who,
            data={"from": "new", "to": status},
        )
    await session.commit()
    figures = await compute_figures(session, last_days(DAY.date(), 1, MOSCOW))
    assert figures.total.complaints_resolved == 1
    assert figures.by_day[DAY.date()].complaints_resolved == 1
    assert figures.by_staff[BORIS].complaints_resolved == 1
    assert ANNA not in figures.by_staff  # a status change alone is no figure of theirs


async def test_late_answers_are_counted_from_their_index(engine: AsyncEngine) -> None:
    # Each backend uses an expression index only for the very expression it indexes, with the
    # JSON key written in the SQL: a key sent as a parameter (or a drifted expression) would
    # lose the index in SQLite's plan and in PostgreSQL's generic plan of a prepared query.
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "kind": kind,
            "actor_telegram_id": ANNA,
            "data": {"waited_seconds": 60.0, "breached": n % 50 == 0},
            "created_at": start + timedelta(minutes=n),
        }
        for n in range(600)
        for kind in ("reply_clock_stopped", "handoff")
    ]
    async with engine.begin() as conn:
        await conn.execute(sa.insert(Event), rows)
    late = sa.select(sa.func.count()).where(LATE_ANSWER, col(Event.created_at) >= start)
    compiled = late.compile(engine.sync_engine, compile_kwargs={"render_postcompile": True})
    assert compiled.positiontup == ["kind_1", "created_at_1"]  # the key is no parameter
    async with engine.connect() as conn:
        assert await conn.scalar(late) == 12
        await conn.execute(sa.text("ANALYZE"))
        if engine.dialect.name == "postgresql":
            await conn.execute(sa.text("SET plan_cache_mode = force_generic_plan"))
            await conn.exec_driver_sql(f"PREPARE late_count AS {compiled}")
            explained = await conn.exec_driver_sql(
                "EXPLAIN EXECUTE late_count('reply_clock_stopped', '2026-11-01 00:00+00')"
            )
        else:
            explained = await conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}",
                ("reply_clock_stopped", "2026-11-01 00:00:00.000000"),
            )
        plan = "\n".join(str(row[-1]) for row in explained)
    assert "ix_events_kind_breached_created" in plan, plan


async def test_a_long_period_is_whole(session: AsyncSession, world: World) -> None:
    figures = await compute_figures(session, last_days(date(2026, 11, 18), 366, MOSCOW))
    assert len(figures.by_day) == 366
    assert figures.total.conversations_opened == 4
    assert sum(d.conversations_opened for d in figures.by_day.values()) == 4
