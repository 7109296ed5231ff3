"""Pass customer messages to their staff topic when a person is handling them."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import with_person
from handlers.customer.person_handoff import relay_to_topic
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)

# Content the bot itself cannot act on; with a person it is relayed, with the bot it is declined.
UNSUPPORTED = ("sticker", "animation", "dice", "poll", "game", "story")


@router.message(StateFilter(None), Magic(F.content_type.in_(UNSUPPORTED)))
async def unsupported(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Relay stickers and the like to staff in a live conversation; otherwise explain politely."""
    if with_person(conversation):
        await relay_to_topic(
            message, bot, services, session, customer, conversation, "customer", l10n
        )
        return
    await message.answer(l10n("unsupported-content"))


@router.message()
async def relay(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Hand anything the bot did not handle to a person, so no message is dropped."""
    reason = "customer" if with_person(conversation) else "unhandled"
    await relay_to_topic(message, bot, services, session, customer, conversation, reason, l10n)
