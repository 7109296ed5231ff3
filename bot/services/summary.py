"""The day in numbers, for the managers' summary at closing."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuthorKind, Event, Message, SatisfactionRating, Ticket, TicketKind, TicketStatus


@dataclass(frozen=True)
class DaySummary:
    """What happened between two moments."""

    customer_messages: int
    response_median_seconds: float | None
    reply_compliance: float | None  # share of waits answered within the promise
    callbacks_kept: int
    callbacks_due: int
    breaches: int
    escalations: int
    open_complaints: int
    average_rating: float | None
    ratings: int


async def _events(session: AsyncSession, kind: str, start: datetime, end: datetime) -> list[Event]:
    stmt = select(Event).where(
        Event.kind == kind, col(Event.created_at) >= start, col(Event.created_at) < end
    )
    return list((await session.exec(stmt)).all())


async def summarize(session: AsyncSession, start: datetime, end: datetime) -> DaySummary:
    """Count the period's messages, waits, promises kept and broken, and ratings."""
    messages = (
        await session.exec(
            select(func.count()).where(
                Message.author_kind == AuthorKind.CUSTOMER,
                col(Message.created_at) >= start,
                col(Message.created_at) < end,
            )
        )
    ).one()
    stops = await _events(session, "reply_clock_stopped", start, end)
    waits = [float((e.data or {}).get("waited_seconds", 0)) for e in stops]
    kept = sum(1 for e in stops if not (e.data or {}).get("breached"))
    reply_breaches = await _events(session, "reply_breach", start, end)
    unanswered = max(0, len(reply_breaches) - (len(stops) - kept))
    total_waits = len(stops) + unanswered
    done = await _events(session, "callback_done", start, end)
    callback_breaches = await _events(session, "callback_breach", start, end)
    on_time = sum(1 for e in done if (e.data or {}).get("on_time"))
    escalations = len(await _events(session, "escalated", start, end))
    open_complaints = (
        await session.exec(
            select(func.count()).where(
                Ticket.kind == TicketKind.COMPLAINT,
                col(Ticket.status).in_([TicketStatus.NEW, TicketStatus.IN_PROGRESS]),
            )
        )
    ).one()
    scores = list(
        (
            await session.exec(
                select(SatisfactionRating.score).where(
                    col(SatisfactionRating.created_at) >= start,
                    col(SatisfactionRating.created_at) < end,
                )
            )
        ).all()
    )
    return DaySummary(
        customer_messages=int(messages),
        response_median_seconds=statistics.median(waits) if waits else None,
        reply_compliance=kept / total_waits if total_waits else None,
        callbacks_kept=on_time,
        callbacks_due=on_time + (len(done) - on_time) + len(callback_breaches),
        breaches=len(reply_breaches) + len(callback_breaches),
        escalations=escalations,
        open_complaints=int(open_complaints),
        average_rating=statistics.fmean(scores) if scores else None,
        ratings=len(scores),
    )
