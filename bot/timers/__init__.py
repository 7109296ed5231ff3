"""Deadline actions: what the bot does when a service promise falls due.

The sweeper (bot.jobs) looks each due deadline's kind up in DEADLINE_ACTIONS, the one table of
them: a kind missing here fails its deadline with an error instead of silently waiting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram import Bot

from bot.services.rules import (
    CALLBACK,
    COMPLAINT_RESOLUTION,
    DAILY_SUMMARY,
    FOLLOW_UP,
    MORNING_LIST,
    REPLY,
    REPLY_SECOND,
    RETURN_DECISION,
)
from bot.timers import day_marks, reply, ticket_deadlines
from models import Deadline

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.container import Services

DeadlineAction = Callable[["AsyncSession", Deadline, "Services", Bot], Awaitable[None]]

DEADLINE_ACTIONS: dict[str, DeadlineAction] = {
    REPLY: reply.reply_overdue,  # the 3-minute promise missed: alert the duty staff
    REPLY_SECOND: reply.reply_still_overdue,  # still unanswered: escalate to the managers
    CALLBACK: reply.callback_missed,  # the promised callback time passed
    COMPLAINT_RESOLUTION: ticket_deadlines.complaint_overdue,
    RETURN_DECISION: ticket_deadlines.return_overdue,
    FOLLOW_UP: ticket_deadlines.follow_up,
    MORNING_LIST: day_marks.opening,  # at opening: the callback list for the duty staff
    DAILY_SUMMARY: day_marks.closing,  # at closing: the day's summary
}
