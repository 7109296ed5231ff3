"""Satisfaction: 1 to 5 after a resolved conversation, an optional comment, low scores escalate."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.satisfaction import add_comment, comment_invitation, file_comment, is_low, rate
from bot.telegram.alerts import alert_managers
from bot.telegram.buttons import RatingPick
from bot.telegram.outbox import queue_in_topic
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)


class SkipComment(CallbackData, prefix="rtc"):
    """No comment to add."""


class RatingForm(StatesGroup):
    """Waiting for an optional comment on the rating."""

    comment = State()


@router.callback_query(RatingPick.filter())
async def picked(
    query: CallbackQuery,
    callback_data: RatingPick,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    l10n: L10n,
) -> None:
    """Record the score; invite a comment; send a low score to the managers."""
    conversation = await session.get(Conversation, callback_data.conversation)
    if (
        conversation is None
        or conversation.customer_id != customer.id
        or not 1 <= callback_data.score <= 5
    ):
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await rate(session, conversation, callback_data.score, services.clock())
    await query.answer()
    if is_low(callback_data.score):
        await alert_managers(
            services, session, "alert-low-rating", customer=customer, score=callback_data.score
        )
    await state.set_state(RatingForm.comment)
    await state.update_data(conversation=conversation.id)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        builder = InlineKeyboardBuilder()
        builder.button(text=l10n("rating-skip-comment"), callback_data=SkipComment())
        key = "rating-thanks-low" if is_low(callback_data.score) else "rating-thanks"
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
    conversation = await session.get(Conversation, data.get("conversation", 0))
    rating = None
    if conversation is not None and conversation.customer_id == customer.id:
        rating = await add_comment(session, conversation, message.text or "")
        await file_comment(
            session,
            message.chat.id,
            message.message_id,
            conversation,
            message.business_connection_id,
        )
    if rating is not None:
        staff_chat = services.settings.telegram.staff_chat_id
        assert staff_chat is not None
        staff_l10n = services.staff_texts()
        note = staff_l10n("staff-rating-comment", score=rating.score, comment=rating.comment or "")
        queue_in_topic(session, services, customer, SendMessage(chat_id=staff_chat, text=note))
        if is_low(rating.score):
            await alert_managers(
                services,
                session,
                "alert-rating-comment",
                customer=customer,
                score=rating.score,
                comment=rating.comment or "",
            )
    invite = await comment_invitation(
        session, customer.id or 0, {l10n("rating-thanks"), l10n("rating-thanks-low")}
    )
    await message.answer(l10n("rating-comment-saved"))
    if invite is not None:
        # The comment is written: "No comment" under the invitation would answer a past question.
        with suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=invite, reply_markup=None
            )


@router.callback_query(StateFilter(RatingForm.comment), SkipComment.filter())
async def skip(query: CallbackQuery, state: FSMContext, l10n: L10n) -> None:
    """Leave without a comment."""
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(l10n("faq-glad"))
