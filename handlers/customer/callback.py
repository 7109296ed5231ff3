"""Request a callback: share a phone number (or not), and staff call back."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.usecases.hand_off import hand_off
from handlers.customer.button_filters import MenuButton
from handlers.customer.forms import CallbackForm
from handlers.customer.prompts import ask_for_phone, promise_if_new, tell_handed_off
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)


@router.message(StateFilter(None), MenuButton("menu-callback"))
async def from_menu(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Start a callback request."""
    await ask_for_phone(message, state, l10n)


async def keep_phone(
    message: Message,
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
    # The card only goes with a new handoff: a copy shows staff the number in any case.
    waiting = await hand_off(
        session,
        services,
        customer,
        conversation,
        services.clock(),
        "callback",
        detail=l10n("callback-detail", phone=customer.phone),
        copy=(message.chat.id, message.message_id),
    )
    await tell_handed_off(message, services, l10n, customer, waiting, "callback")
    return True


@router.message(StateFilter(CallbackForm.phone), Magic(F.contact))
async def shared(
    message: Message,
    state: FSMContext,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Keep the number asked for; someone else's is refused."""
    if await keep_phone(message, services, session, customer, conversation, l10n):
        await state.clear()
    else:
        await message.answer(l10n("callback-own-number"))


@router.message(StateFilter(None), Magic(F.contact))
async def shared_unasked(
    message: Message,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """A phone shared from the after-hours promise: keep it, confirm, give the menu back."""
    if not await keep_phone(message, services, session, customer, conversation, l10n):
        copy = (message.chat.id, message.message_id)
        now = services.clock()
        waiting = await hand_off(
            session, services, customer, conversation, now, "customer", copy=copy
        )
        await promise_if_new(message, services, l10n, waiting)


@router.message(StateFilter(CallbackForm.phone), Magic(F.text))
async def without_phone(
    message: Message,
    state: FSMContext,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Go on without a number: staff will write here instead."""
    await state.clear()
    now = services.clock()
    waiting = await hand_off(
        session, services, customer, conversation, now, "callback", detail=message.text
    )
    await tell_handed_off(message, services, l10n, customer, waiting, "callback")
