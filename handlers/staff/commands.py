"""Topic commands: /resolve, /reopen, /escalate and /note."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff
from bot.telegram.alerts import alert_managers
from handlers.staff.topic import TopicContext
from models import AuthorKind

router = Router(name=__name__)


@router.message(Command("note"))
async def note(message: Message, l10n: L10n) -> None:
    """Keep an internal note; like `//`, it is logged and never sent."""


@router.message(Command("resolve"))
async def resolve(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Mark the conversation resolved and tell the customer."""
    assert message.from_user is not None
    await handoff.resolve(session, topic.conversation, message.from_user.id, services.clock())
    customer_l10n = services.translations.get(topic.customer.language)
    await bot.send_message(topic.customer.telegram_id, customer_l10n("conversation-resolved"))
    await message.reply(l10n("staff-resolved"))


@router.message(Command("reopen"))
async def reopen(
    message: Message, services: Services, session: AsyncSession, topic: TopicContext, l10n: L10n
) -> None:
    """Reopen a resolved conversation."""
    assert message.from_user is not None
    await handoff.reopen(
        session, topic.conversation, message.from_user.id, AuthorKind.STAFF, services.clock()
    )
    await message.reply(l10n("staff-reopened"))


@router.message(Command("escalate"))
async def escalate(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Hand the conversation up to the managers, with the staff member's reason."""
    assert message.from_user is not None
    await handoff.escalate(
        session,
        topic.conversation,
        services.clock(),
        "staff",
        actor_kind=AuthorKind.STAFF,
        actor_id=message.from_user.id,
        note=command.args,
    )
    sent = await alert_managers(
        bot,
        services,
        session,
        "alert-escalated",
        customer=topic.customer,
        by=message.from_user.full_name,
        note=command.args or "—",
    )
    await message.reply(l10n("staff-escalated", count=sent))
