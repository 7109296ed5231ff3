"""Topic commands: /resolve, /reopen, /escalate and /note."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff, tickets
from bot.services.abuse import lift_abuse
from bot.services.staff import is_manager
from bot.telegram.buttons import complaint_keyboard
from bot.telegram.cards import complaint_card
from bot.usecases.escalate_to_managers import escalate_to_managers
from bot.usecases.resolve_conversation import resolve_conversation
from handlers.staff.topic import TopicContext
from models import AuthorKind, Ticket

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
    """Mark the conversation resolved; staff hear once the customer was told (or not)."""
    assert message.from_user is not None
    complaints = await resolve_conversation(
        session,
        services,
        topic.customer,
        topic.conversation,
        message.from_user.id,
        services.clock(),
        l10n,
        message.message_id,
    )
    await _settle_cards(bot, session, complaints, message, l10n)


async def _settle_cards(
    bot: Bot, session: AsyncSession, complaints: list[Ticket], message: Message, l10n: L10n
) -> None:
    """Show the resolved status on each complaint's card, with the buttons it now allows.

    Left as they were, the cards would offer "Resolved" and "Rejected" for a closed complaint.
    The cards are in this topic, the update's own chat, so they are edited in place.
    """
    assert message.from_user is not None
    by = l10n("staff-decided-by", by=message.from_user.full_name)
    for ticket in complaints:
        card = complaint_card(l10n, ticket)
        heading = card[: card.index(ticket.number) + len(ticket.number)]
        card_id = await tickets.card_of(session, ticket, message.chat.id, heading)
        if card_id is None:
            continue
        with suppress(TelegramBadRequest):  # deleted by staff, or already showing this
            await bot.edit_message_text(
                chat_id=message.chat.id,
                message_id=card_id,
                text=f"{card}\n{by}",
                reply_markup=complaint_keyboard(l10n, ticket),
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
    sent = await escalate_to_managers(
        session,
        services,
        topic.conversation,
        topic.customer,
        message.from_user.id,
        message.from_user.full_name,
        command.args,
        services.clock(),
    )
    await message.reply(l10n("staff-escalated", count=sent))
