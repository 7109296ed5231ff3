"""What staff write in a customer's topic goes to the customer; `//` notes stay internal."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.methods import CopyMessage
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.inbound_log import is_note
from bot.usecases.answer_customer import answer_customer
from handlers.magic import Magic
from handlers.staff.topic import TopicContext

router = Router(name=__name__)


@router.message(Magic(F.func(lambda m: is_note(m.text or m.caption))))
async def note(message: Message) -> None:
    """Keep a `//` note in the topic and the log; it never reaches the customer."""


@router.message(Magic(F.text.startswith("/")))
async def unknown_command(message: Message, l10n: L10n) -> None:
    """Stop a mistyped command from being sent to the customer."""
    await message.reply(l10n("staff-unknown-command"))


@router.message()
async def relay(
    message: Message,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Queue a copy of a staff message to the customer and stop their waiting clock."""
    assert message.from_user is not None
    if not services.content.policy.staff_free_text:
        await message.reply(l10n("staff-free-text-off"))
        return
    copy = CopyMessage(
        chat_id=topic.customer.telegram_id,
        from_chat_id=message.chat.id,
        message_id=message.message_id,
    )
    await answer_customer(
        session,
        services,
        topic.customer,
        topic.conversation,
        message.from_user.id,
        services.clock(),
        copy,
        l10n,
        message.message_id,
    )
