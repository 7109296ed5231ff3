"""Request a callback: share a phone number (or not), and staff call back."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import CopyMessage
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.outbox import queue_in_topic
from handlers.customer.button_filters import MenuButton
from handlers.customer.person import connect_person
from handlers.customer.person_handoff import relay_to_topic
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)


class CallbackForm(StatesGroup):
    """Waiting for the customer's phone number."""

    phone = State()


def phone_keyboard(l10n: L10n) -> ReplyKeyboardMarkup:
    """One button that shares the Telegram account's phone number, one to write instead."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=l10n("callback-share-phone"), request_contact=True)],
            [KeyboardButton(text=l10n("callback-no-phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask_for_phone(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Ask the customer for a number to call."""
    await state.set_state(CallbackForm.phone)
    await message.answer(l10n("callback-ask-phone"), reply_markup=phone_keyboard(l10n))


@router.message(StateFilter(None), MenuButton("menu-callback"))
async def from_menu(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Start a callback request."""
    await ask_for_phone(message, state, l10n)


async def keep_phone(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> bool:
    """Keep the customer's own shared number, put them on the callback list, show staff."""
    assert message.contact is not None
    if message.contact.user_id not in (None, customer.telegram_id):
        return False
    customer.phone = message.contact.phone_number
    await connect_person(
        message,
        bot,
        services,
        session,
        customer,
        conversation,
        l10n,
        "callback",
        detail=l10n("callback-detail", phone=customer.phone),
    )
    # The card only goes with a new handoff: a copy shows staff the number in any case.
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    copy = CopyMessage(
        chat_id=staff_chat, from_chat_id=message.chat.id, message_id=message.message_id
    )
    queue_in_topic(session, services, customer, copy)
    return True


@router.message(StateFilter(CallbackForm.phone), Magic(F.contact))
async def shared(
    message: Message,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Keep the number asked for; someone else's is refused."""
    if await keep_phone(message, bot, services, session, customer, conversation, l10n):
        await state.clear()
    else:
        await message.answer(l10n("callback-own-number"))


@router.message(StateFilter(None), Magic(F.contact))
async def shared_unasked(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """A phone shared from the after-hours promise: keep it, confirm, give the menu back."""
    if not await keep_phone(message, bot, services, session, customer, conversation, l10n):
        await relay_to_topic(
            message, bot, services, session, customer, conversation, "customer", l10n
        )


@router.message(StateFilter(CallbackForm.phone), Magic(F.text))
async def without_phone(
    message: Message,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Go on without a number: staff will write here instead."""
    await state.clear()
    await connect_person(
        message,
        bot,
        services,
        session,
        customer,
        conversation,
        l10n,
        "callback",
        detail=message.text,
    )
