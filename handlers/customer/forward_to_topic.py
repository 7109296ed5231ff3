"""Pass customer messages to their staff topic when a person is handling them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import with_person
from bot.usecases.hand_off import hand_off
from handlers.customer.prompts import promise_if_new
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)

# Content the bot itself cannot act on; with a person it is relayed, with the bot it is declined.
UNSUPPORTED = ("sticker", "animation", "dice", "poll", "game", "story")


@router.message(StateFilter(None), Magic(F.content_type.in_(UNSUPPORTED)))
async def unsupported(
    message: Message,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Relay stickers and the like to staff in a live conversation; otherwise explain politely."""
    if with_person(conversation):
        await _to_topic(message, services, session, customer, conversation, "customer", l10n)
        return
    await message.answer(l10n("unsupported-content"))


@router.message()
async def relay(
    message: Message,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Hand anything the bot did not handle to a person, so no message is dropped."""
    reason = "customer" if with_person(conversation) else "unhandled"
    await _to_topic(message, services, session, customer, conversation, reason, l10n)


async def _to_topic(
    message: Message,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    reason: str,
    l10n: L10n,
) -> None:
    copy = (message.chat.id, message.message_id)
    now = services.clock()
    waiting = await hand_off(session, services, customer, conversation, now, reason, copy=copy)
    await promise_if_new(message, services, l10n, waiting)
