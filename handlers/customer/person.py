"""Talk to a person: from the menu, or when the FAQ or a flow sends the customer on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.buttons import PersonRequest
from bot.usecases.hand_off import hand_off
from handlers.customer.button_filters import MenuButton
from handlers.customer.keyboards import settle_choice
from handlers.customer.prompts import tell_handed_off
from models import Conversation, Customer

router = Router(name=__name__)


@router.message(StateFilter(None), MenuButton("menu-person"))
async def from_menu(
    message: Message,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Connect the customer with a person."""
    now = services.clock()
    waiting = await hand_off(session, services, customer, conversation, now, "person")
    await tell_handed_off(message, services, l10n, customer, waiting, "person")


@router.callback_query(
    PersonRequest.filter(F.reason.in_({"person", "faq_unhelpful", "faq_miss", "flow"}))
)
async def from_button(
    query: CallbackQuery,
    callback_data: PersonRequest,
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
        reason = callback_data.reason
        now = services.clock()
        waiting = await hand_off(session, services, customer, conversation, now, reason)
        await tell_handed_off(query.message, services, l10n, customer, waiting, reason)
