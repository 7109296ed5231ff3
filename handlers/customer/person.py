"""Talk to a person: from the menu, or when the FAQ or a flow sends the customer on."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from handlers.customer.button_filters import MenuButton
from handlers.customer.keyboards import main_menu, settle_choice
from handlers.customer.person_handoff import after_hours_promise, open_handoff, share_phone_keyboard
from models import Conversation, Customer

router = Router(name=__name__)


class PersonRequest(CallbackData, prefix="pr"):
    """A button that asks for a person, remembering why."""

    reason: str


async def connect_person(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
    reason: str,
    detail: str | None = None,
) -> None:
    """Hand the customer to staff and tell them what happens next."""
    waiting = await open_handoff(services, session, customer, conversation, reason, detail)
    if waiting.after_hours and reason != "callback" and not customer.phone:
        # The one case the share button is offered: it replaces the menu until they answer.
        await message.answer(
            after_hours_promise(services, l10n, waiting), reply_markup=share_phone_keyboard(l10n)
        )
        return
    if waiting.after_hours:
        # Asked for a callback, or the phone is known: confirm, without asking for it again.
        key = "callback-promised-by" if reason == "callback" else "after-hours-noted"
        text = after_hours_promise(services, l10n, waiting, key)
    else:
        text = l10n("callback-promised" if reason == "callback" else "person-connecting")
    await message.answer(text, reply_markup=main_menu(l10n))


@router.message(StateFilter(None), MenuButton("menu-person"))
async def from_menu(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Connect the customer with a person."""
    await connect_person(message, bot, services, session, customer, conversation, l10n, "person")


@router.callback_query(
    PersonRequest.filter(F.reason.in_({"person", "faq_unhelpful", "faq_miss", "flow"}))
)
async def from_button(
    query: CallbackQuery,
    callback_data: PersonRequest,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Connect the customer with a person from an inline button."""
    await query.answer()
    if isinstance(query.message, Message):
        await settle_choice(query)
        await connect_person(
            query.message,
            bot,
            services,
            session,
            customer,
            conversation,
            l10n,
            callback_data.reason,
        )
