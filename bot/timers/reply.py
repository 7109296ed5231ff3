"""The reply promise and the morning callback promise, when they fall due: find whom they
concern and call the use case (bot/usecases/miss_reply_promise.py, miss_callback.py)."""

from __future__ import annotations

from aiogram import Bot
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.usecases.miss_callback import miss_callback
from bot.usecases.miss_reply_promise import miss_reply_promise, miss_reply_promise_again
from models import Conversation, Customer, Deadline


async def _subject(
    session: AsyncSession, deadline: Deadline
) -> tuple[Conversation, Customer] | None:
    conversation_id = int(deadline.subject.split(":", 1)[1])
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    return (conversation, customer) if customer is not None else None


async def reply_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Nobody answered in time: alert the topic and the managers, reassure the customer."""
    found = await _subject(session, deadline)
    if found is not None:
        conversation, customer = found
        await miss_reply_promise(
            session, services, conversation, customer, deadline.due_at, services.clock()
        )


async def reply_still_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Still unanswered after another period: a louder alert to the managers."""
    found = await _subject(session, deadline)
    if found is not None:
        conversation, customer = found
        await miss_reply_promise_again(session, services, conversation, customer, services.clock())


async def callback_missed(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """The morning callback promise was not kept: tell the managers and record the breach."""
    found = await _subject(session, deadline)
    if found is not None:
        conversation, customer = found
        await miss_callback(
            session, services, conversation, customer, deadline.due_at, services.clock()
        )
