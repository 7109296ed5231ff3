"""Satisfaction: 1 to 5 after a resolved conversation, an optional comment, low scores escalate."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.buttons import RatingPick
from bot.usecases.rate_conversation import comment_rating, rate_conversation
from handlers.customer.forms import RatingForm
from handlers.magic import Magic
from models import Customer

router = Router(name=__name__)


class SkipComment(CallbackData, prefix="rtc"):
    """No comment to add."""


@router.callback_query(RatingPick.filter())
async def picked(
    query: CallbackQuery,
    callback_data: RatingPick,
    state: FSMContext,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    l10n: L10n,
) -> None:
    """Record the score; invite a comment (a low score also goes to the managers)."""
    rated = await rate_conversation(
        session,
        services,
        customer,
        callback_data.conversation,
        callback_data.score,
        services.clock(),
    )
    if rated is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await query.answer()
    await state.set_state(RatingForm.comment)
    await state.update_data(conversation=rated.conversation_id)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        builder = InlineKeyboardBuilder()
        builder.button(text=l10n("rating-skip-comment"), callback_data=SkipComment())
        key = "rating-thanks-low" if rated.low else "rating-thanks"
        await query.message.answer(l10n(key), reply_markup=builder.as_markup())


@router.message(StateFilter(RatingForm.comment), Magic(F.text, ~F.text.startswith("/")))
async def comment(
    message: Message,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    l10n: L10n,
) -> None:
    """Attach the comment to the rating and pass it on: to the topic, and a low one to managers."""
    data = await state.get_data()
    await state.clear()
    commented = await comment_rating(
        session,
        services,
        customer,
        data.get("conversation", 0),
        message.text or "",
        (message.chat.id, message.message_id, message.business_connection_id),
    )
    await message.answer(l10n("rating-comment-saved"))
    if commented.invitation is not None:
        # The comment is written: "No comment" under the invitation would answer a past question.
        with suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=commented.invitation, reply_markup=None
            )


@router.callback_query(StateFilter(RatingForm.comment), SkipComment.filter())
async def skip(query: CallbackQuery, state: FSMContext, l10n: L10n) -> None:
    """Leave without a comment."""
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(l10n("faq-glad"))
