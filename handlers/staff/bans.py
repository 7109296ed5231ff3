"""/abuse (staff), /ban and /unban (managers) in a customer's topic."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.abuse import set_blocked
from bot.services.staff import is_manager
from bot.usecases.close_abusive import close_abusive
from handlers.staff.topic import TopicContext
from models import AuthorKind

router = Router(name=__name__)


@router.message(Command("abuse"))
async def abuse(
    message: Message,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """A staff member flags the customer as getting personal."""
    assert message.from_user is not None
    closed = await close_abusive(
        session,
        services,
        topic.customer,
        topic.conversation,
        services.clock(),
        actor_kind=AuthorKind.STAFF,
        actor_id=message.from_user.id,
        matched=None,
    )
    await message.reply(l10n("staff-abuse-done" if closed else "staff-abuse-already"))


@router.message(Command("ban", "unban"))
async def ban(
    message: Message,
    command: CommandObject,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """A manager blocks or unblocks a repeat abuser."""
    assert message.from_user is not None
    if not await is_manager(session, message.from_user.id, services.settings.telegram.manager_ids):
        await message.reply(l10n("staff-manager-only"))
        return
    blocking = command.command == "ban"
    await set_blocked(
        session,
        topic.customer,
        blocking,
        message.from_user.id,
        services.clock(),
        reason=command.args,
    )
    await message.reply(l10n("staff-banned" if blocking else "staff-unbanned"))
