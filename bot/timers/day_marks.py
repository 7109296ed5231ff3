"""The working day's rhythm: callback list and duty check at opening, summary at closing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.calendar import CalendarError, Schedule
from bot.services.deadlines import set_deadline
from bot.services.duty import on_duty_members
from bot.services.rules import CALLBACK, DAILY_SUMMARY, MORNING_LIST
from bot.services.summary import summarize
from bot.telegram.alerts import tell_managers, warn_nobody_on_duty
from bot.telegram.buttons import CallbackDone
from bot.telegram.dates import promise_time
from bot.telegram.outbox import queue_to_chat
from bot.telegram.topics import topic_link
from models import Conversation, Customer, Deadline, DeadlineStatus

logger = logging.getLogger(__name__)


def upcoming(schedule: Schedule, now: datetime, closing: bool) -> datetime | None:
    """The next opening (or closing) strictly after now, if the calendar has one."""
    span = (now + timedelta(microseconds=1), now + timedelta(days=366))
    try:
        moments = schedule.closings_between(*span) if closing else schedule.openings_between(*span)
    except CalendarError:
        return None
    return moments[0] if moments else None


async def plan_day_marks(session: AsyncSession, services: Services, now: datetime) -> None:
    """Make sure the next opening and closing have their deadline rows (idempotent)."""
    schedule = services.promises.schedule
    for kind, closing in ((MORNING_LIST, False), (DAILY_SUMMARY, True)):
        moment = upcoming(schedule, now, closing)
        if moment is None:
            continue
        try:
            async with session.begin_nested():  # another process may have planned it first
                await set_deadline(session, kind, f"calendar:{moment.isoformat()}", moment, now)
        except IntegrityError:
            logger.debug("%s at %s already planned", kind, moment)


async def pending_callbacks(session: AsyncSession) -> list[tuple[Deadline, Conversation, Customer]]:
    """The customers waiting for their morning contact, earliest promise first."""
    stmt = (
        select(Deadline)
        .where(Deadline.kind == CALLBACK, Deadline.status == DeadlineStatus.PENDING)
        .order_by(col(Deadline.due_at))
    )
    found = []
    for deadline in (await session.exec(stmt)).all():
        conversation = await session.get(Conversation, int(deadline.subject.split(":", 1)[1]))
        customer = await session.get(Customer, conversation.customer_id) if conversation else None
        if conversation is not None and customer is not None:
            found.append((deadline, conversation, customer))
    return found


async def opening(session: AsyncSession, deadline: Deadline, services: Services, bot: Bot) -> None:
    """At opening: hand the duty staff the callback list, and warn managers if nobody is on duty."""
    now = services.clock()
    l10n = services.staff_texts()
    staff_chat = services.settings.telegram.staff_chat_id
    waiting = await pending_callbacks(session)
    if waiting and staff_chat is not None:
        builder = InlineKeyboardBuilder()
        lines = [l10n("morning-list-header", count=len(waiting))]
        for due_row, conversation, customer in waiting:
            due = promise_time(due_row.due_at, services.promises.schedule.tz, l10n.language)
            group = customer.topic_chat_id or staff_chat  # a shop account's own group, if any
            link = topic_link(group, customer.topic_id) if customer.topic_id else "—"
            lines.append(
                l10n(
                    "morning-list-line",
                    customer=customer.display_name,
                    phone=customer.phone or "—",
                    due=due,
                    link=link,
                )
            )
            assert conversation.id is not None
            builder.button(
                text=l10n("morning-list-done", customer=customer.display_name),
                callback_data=CallbackDone(conversation=conversation.id),
            )
        builder.adjust(1)
        queue_to_chat(
            session,
            services,
            SendMessage(
                chat_id=staff_chat, text="\n".join(lines), reply_markup=builder.as_markup()
            ),
        )
    if not await on_duty_members(session):
        await warn_nobody_on_duty(session, services)
    await plan_day_marks(session, services, now)


async def closing(session: AsyncSession, deadline: Deadline, services: Services, bot: Bot) -> None:
    """At closing: send the managers the day in numbers."""
    now = services.clock()
    tz = services.promises.schedule.tz
    local = now.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    day = await summarize(session, start, now)
    l10n = services.staff_texts()
    text = l10n(
        "daily-summary",
        date=local.strftime("%d.%m.%Y"),
        messages=day.customer_messages,
        median=_duration(day.response_median_seconds),
        compliance=_percent(day.reply_compliance),
        callbacks=f"{day.callbacks_kept}/{day.callbacks_due}",
        breaches=day.breaches,
        escalations=day.escalations,
        complaints=day.open_complaints,
        rating=f"{day.average_rating:.1f} ({day.ratings})" if day.average_rating else "—",
    )
    await tell_managers(services, session, text)
    await plan_day_marks(session, services, now)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"
