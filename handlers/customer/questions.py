"""Free text: small talk answered in a word, questions from the FAQ, a person when unsure."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.events import log_event
from bot.telegram.buttons import FaqFeedback, PersonRequest
from bot.usecases.answer_question import answer_question
from handlers.customer.button_filters import WithBot
from handlers.customer.prompts import promise_if_new, tell_handed_off
from handlers.magic import Magic
from models import AuthorKind, Conversation, Customer

router = Router(name=__name__)


_keyboards: dict[tuple[str, str], InlineKeyboardMarkup] = {}


def feedback_keyboard(l10n: L10n, entry_id: str) -> InlineKeyboardMarkup:
    """Ask whether the answer helped (built once per entry and language)."""
    key = (l10n.language, entry_id)
    keyboard = _keyboards.get(key)
    if keyboard is None:
        keyboard = _keyboards[key] = _feedback_keyboard(l10n, entry_id)
    return keyboard


def _feedback_keyboard(l10n: L10n, entry_id: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=l10n("faq-helped-yes"), callback_data=FaqFeedback(id=entry_id, helped=True))
    builder.button(text=l10n("faq-helped-no"), callback_data=FaqFeedback(id=entry_id, helped=False))
    return builder.as_markup()


@router.message(StateFilter(None), WithBot(), Magic(F.text, ~F.text.startswith("/")))
async def answer(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Small talk gets a word, a request for a person a person, a question the FAQ or staff."""
    assert message.text is not None
    said = await answer_question(
        session,
        services,
        customer,
        conversation,
        message.text,
        (message.chat.id, message.message_id),
        services.clock(),
    )
    if said.outcome == "person":
        assert said.waiting is not None
        await tell_handed_off(message, services, l10n, customer, said.waiting, "person")
    elif said.outcome == "off_topic":
        # Nothing the shop's FAQ is about: say so once and let the customer choose.
        builder = InlineKeyboardBuilder()
        builder.button(text=l10n("menu-person"), callback_data=PersonRequest(reason="faq_miss"))
        await message.answer(l10n("faq-off-topic"), reply_markup=builder.as_markup())
    elif said.outcome == "not_sure":
        assert said.waiting is not None
        await promise_if_new(message, services, l10n, said.waiting)
        if not said.waiting.after_hours:  # after hours the promise already says what is next
            await message.answer(l10n("faq-not-sure"))
    elif said.outcome == "faq":
        assert said.reply is not None and said.entry_id is not None
        await message.answer(
            said.reply + "\n\n" + l10n("faq-did-it-help"),
            reply_markup=feedback_keyboard(l10n, said.entry_id),
        )
    elif said.reply is not None:  # small talk
        await message.answer(said.reply)


@router.callback_query(FaqFeedback.filter())
async def feedback(
    query: CallbackQuery,
    callback_data: FaqFeedback,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Thank the customer, or bring in a person when the answer did not help."""
    if services.content.faq_entry(callback_data.id) is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    kind = "faq_helpful" if callback_data.helped else "faq_unhelpful"
    await log_event(
        session,
        kind,
        services.clock(),
        conversation_id=conversation.id,
        customer_id=customer.id,
        actor_kind=AuthorKind.CUSTOMER,
        data={"entry": callback_data.id},
    )
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.helped:
        await query.message.answer(l10n("faq-glad"))
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=l10n("menu-person"), callback_data=PersonRequest(reason="faq_unhelpful"))
    await query.message.answer(l10n("faq-sorry-offer-person"), reply_markup=builder.as_markup())
