"""The cards staff see in a customer's topic: the customer's context, returns, complaints."""

from __future__ import annotations

from aiogram.methods import SendMessage, SendPhoto
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.buttons import complaint_keyboard, decision_keyboard
from bot.telegram.outbox import queue_in_topic
from bot.telegram.splitting import fit
from models import Conversation, Customer, Ticket

# A complaint's text on its card: the card, status and footer stay within one message.
CARD_TEXT_LIMIT = 3700


def context_card(l10n: L10n, customer: Customer, tickets: list[Ticket], reason: str) -> str:
    """Describe who the customer is and what is open, when they reach staff."""
    open_list = ", ".join(f"{t.number} ({l10n(f'ticket-status-{t.status}')})" for t in tickets)
    return l10n(
        "staff-context-card",
        name=customer.display_name,
        username=f"@{customer.username}" if customer.username else "—",
        id=str(customer.telegram_id),
        language=customer.language,
        tickets=open_list or "—",
        reason=l10n(f"handoff-reason-{reason}"),
    )


def return_card(l10n: L10n, ticket: Ticket, currency_symbol: str) -> str:
    """Describe a return for staff."""
    return l10n(
        "staff-return-card",
        number=ticket.number,
        item=ticket.description,
        when=l10n(f"return-when-{ticket.purchased_when}"),
        reason=l10n(f"return-reason-{ticket.reason}"),
        amount=f"{ticket.amount} {currency_symbol}",
        status=l10n(f"ticket-status-{ticket.status}"),
    )


def complaint_card(l10n: L10n, ticket: Ticket) -> str:
    """Describe a complaint for staff, short enough to be edited as one message."""
    return l10n(
        "staff-complaint-card",
        number=ticket.number,
        text=fit(ticket.description, CARD_TEXT_LIMIT),
        photos=len(ticket.photo_file_ids or []),
        status=l10n(f"ticket-status-{ticket.status}"),
    )


async def post_return_for_decision(
    services: Services,
    session: AsyncSession,
    ticket: Ticket,
    customer: Customer,
    conversation: Conversation,
) -> None:
    """Put a pending return in the topic with Approve / Reject buttons and its photo."""
    l10n = services.staff_texts()
    chat = services.settings.telegram.staff_chat_id
    assert chat is not None and ticket.id is not None
    text = return_card(l10n, ticket, services.content.policy.currency_symbol)
    markup = decision_keyboard(l10n, ticket.id)
    photos = ticket.photo_file_ids or []

    card: SendPhoto | SendMessage = (
        SendPhoto(chat_id=chat, photo=photos[0], caption=fit(text, 1024), reply_markup=markup)
        if photos
        else SendMessage(chat_id=chat, text=text, reply_markup=markup)
    )
    queue_in_topic(session, services, customer, card)


async def post_complaint(
    services: Services,
    session: AsyncSession,
    ticket: Ticket,
    customer: Customer,
    conversation: Conversation,
) -> None:
    """Put a complaint in the topic with its photos and status buttons."""
    l10n = services.staff_texts()
    chat = services.settings.telegram.staff_chat_id
    assert chat is not None
    for photo in ticket.photo_file_ids or []:
        queue_in_topic(session, services, customer, SendPhoto(chat_id=chat, photo=photo))
    card = SendMessage(
        chat_id=chat,
        text=complaint_card(l10n, ticket),
        reply_markup=complaint_keyboard(l10n, ticket),
    )
    queue_in_topic(session, services, customer, card)
