"""/canned: prescribed answers staff pick with buttons and send in the customer's language."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import staff_replied
from bot.telegram.outbound import Author, outbound_author
from bot.telegram.retry import deliver
from handlers.staff.topic import TopicContext
from models import AuthorKind

router = Router(name=__name__)


class CannedPick(CallbackData, prefix="cn"):
    """A canned answer chosen by id."""

    id: str


def canned_keyboard(services: Services, language: str) -> InlineKeyboardMarkup:
    """List the canned answers as buttons, titled in the staff language."""
    builder = InlineKeyboardBuilder()
    for answer in services.content.canned:
        builder.button(text=answer.title.get(language), callback_data=CannedPick(id=answer.id))
    builder.adjust(1)
    return builder.as_markup()


@router.message(Command("canned"))
async def show(message: Message, services: Services, l10n: L10n, topic: TopicContext) -> None:
    """Offer the prescribed answers."""
    await message.reply(
        l10n("staff-canned-pick", customer_language=topic.customer.language),
        reply_markup=canned_keyboard(services, l10n.language),
    )


@router.callback_query(CannedPick.filter())
async def send(
    query: CallbackQuery,
    callback_data: CannedPick,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Send the chosen answer to the customer in their language."""
    answer = next((a for a in services.content.canned if a.id == callback_data.id), None)
    if answer is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await staff_replied(session, topic.conversation, query.from_user.id, services.clock())
    token = outbound_author.set(Author(AuthorKind.STAFF, query.from_user.id))
    text = answer.text.get(topic.customer.language)
    try:
        sent = await deliver(lambda: bot.send_message(topic.customer.telegram_id, text))
    finally:
        outbound_author.reset(token)
    if sent is None:
        await query.answer(l10n("staff-customer-blocked-bot"), show_alert=True)
        return
    await query.answer(l10n("staff-canned-sent"))
    if query.message is not None and isinstance(query.message, Message):
        await query.message.edit_text(
            l10n(
                "staff-canned-sent-by",
                title=answer.title.get(l10n.language),
                by=query.from_user.full_name,
            )
        )
