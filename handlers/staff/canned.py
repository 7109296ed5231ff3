"""/canned: prescribed answers staff pick with buttons and send in the customer's language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.splitting import fit
from bot.usecases.answer_customer import answer_customer
from handlers.staff.topic import TopicContext

router = Router(name=__name__)


class CannedPick(CallbackData, prefix="cn"):
    """A canned answer: `view` shows its text first, `send` sends it, `list` goes back."""

    id: str
    step: str = "view"


PREVIEW_CHARS = 160


def canned_keyboard(services: Services, language: str) -> InlineKeyboardMarkup:
    """List the canned answers as buttons, titled in the staff language."""
    builder = InlineKeyboardBuilder()
    for answer in services.content.canned:
        builder.button(text=answer.title.get(language), callback_data=CannedPick(id=answer.id))
    builder.adjust(1)
    return builder.as_markup()


def canned_list(services: Services, l10n: L10n, customer_language: str) -> str:
    """The picker's text: every answer's title with the start of what the customer would read."""
    lines = [l10n("staff-canned-pick", customer_language=customer_language)]
    for answer in services.content.canned:
        text = answer.text.get(customer_language)
        short = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
        lines.append(f"\n• {answer.title.get(l10n.language)}: {short}")
    return "\n".join(lines)


def preview_keyboard(l10n: L10n, answer_id: str) -> InlineKeyboardMarkup:
    """Send the answer shown, or go back to the list."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=l10n("staff-canned-send"), callback_data=CannedPick(id=answer_id, step="send")
    )
    builder.button(text=l10n("staff-canned-back"), callback_data=CannedPick(id="", step="list"))
    builder.adjust(1)
    return builder.as_markup()


@router.message(Command("canned"))
async def show(message: Message, services: Services, l10n: L10n, topic: TopicContext) -> None:
    """Offer the prescribed answers, each with a preview of its text."""
    await message.reply(
        fit(canned_list(services, l10n, topic.customer.language), 4096),
        reply_markup=canned_keyboard(services, l10n.language),
    )


@router.callback_query(CannedPick.filter(F.step.in_({"view", "list"})))
async def preview(
    query: CallbackQuery,
    callback_data: CannedPick,
    services: Services,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Show the whole text the customer would read, with Send and Back; or the list again."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.step == "list":
        await query.message.edit_text(
            fit(canned_list(services, l10n, topic.customer.language), 4096),
            reply_markup=canned_keyboard(services, l10n.language),
        )
        return
    answer = services.content.canned_answer(callback_data.id)
    if answer is None:
        await query.message.edit_text(l10n("stale-button"))
        return
    text = l10n(
        "staff-canned-preview",
        title=answer.title.get(l10n.language),
        customer_language=topic.customer.language,
        text=answer.text.get(topic.customer.language),
    )
    await query.message.edit_text(fit(text, 4096), reply_markup=preview_keyboard(l10n, answer.id))


@router.callback_query(CannedPick.filter(F.step == "send"))
async def send(
    query: CallbackQuery,
    callback_data: CannedPick,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Send the chosen answer to the customer in their language."""
    answer = services.content.canned_answer(callback_data.id)
    if answer is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    text = answer.text.get(topic.customer.language)
    await answer_customer(
        session,
        services,
        topic.customer,
        topic.conversation,
        query.from_user.id,
        services.clock(),
        SendMessage(chat_id=topic.customer.telegram_id, text=text),
        l10n,
    )
    await query.answer(l10n("staff-canned-sent"))
    if query.message is not None and isinstance(query.message, Message):
        await query.message.edit_text(
            l10n(
                "staff-canned-sent-by",
                title=answer.title.get(l10n.language),
                by=query.from_user.full_name,
            )
        )
