"""Topic commands: /resolve, /reopen, /escalate and /note."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff
from bot.services.abuse import lift_abuse
from bot.services.staff import is_manager
from bot.telegram.alerts import alert_managers
from bot.usecases.resolve_conversation import resolve_conversation
from handlers.staff.topic import TopicContext
from models import AuthorKind

router = Router(name=__name__)


@router.message(Command("note"))
async def note(message: Message, l10n: L10n) -> None:
    """Keep an internal note; like `//`, it is logged and never sent."""


@router.message(Command("resolve"))
async def resolve(
    message: Message,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Mark the conversation resolved; staff hear once the customer was told (or not)."""
    assert message.from_user is not None
    await resolve_conversation(
        session,
        services,
        topic.customer,
        topic.conversation,
        message.from_user.id,
        services.clock(),
        l10n,
        message.message_id,
    )


@router.message(Command("reopen"))
async def reopen(
    message: Message, services: Services, session: AsyncSession, topic: TopicContext, l10n: L10n
) -> None:
    """Reopen a resolved conversation; an abusive one only by a manager."""
    assert message.from_user is not None
    now = services.clock()
    if topic.conversation.abusive:
        if not await is_manager(
            session, message.from_user.id, services.settings.telegram.manager_ids
        ):
            await message.reply(l10n("staff-manager-only"))
            return
        await lift_abuse(session, topic.conversation, message.from_user.id, now)
        await message.reply(l10n("staff-abuse-lifted"))
        return
    await handoff.reopen(session, topic.conversation, message.from_user.id, AuthorKind.STAFF, now)
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
        services,
        session,
        "alert-escalated",
        customer=topic.customer,
        by=message.from_user.full_name,
        note=command.args or "—",
    )
    await message.reply(l10n("staff-escalated", count=sent))
