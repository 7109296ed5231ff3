"""Staff decide a ticket: approve or reject a return, move a complaint; the customer is told."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import tickets
from bot.telegram import receipts
from bot.telegram.buttons import refund_keyboard
from bot.telegram.outbox import queue_to_customer, text_message
from models import Conversation, Customer, Ticket, TicketStatus

if TYPE_CHECKING:
    from aiogram.methods import SendMessage


async def approve_return(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    ticket: Ticket,
    approve: bool,
    staff_id: int,
    now: datetime,
    staff_l10n: L10n,
) -> None:
    """Record the decision on a return; queue it, with the refund choice, to the customer."""
    await tickets.decide_return(session, ticket, approve, staff_id, now, services.promises)
    customer_l10n = services.translations.get(customer.language)
    assert ticket.id is not None
    approved = ticket.status == TicketStatus.APPROVED
    text = customer_l10n(
        "return-staff-approved" if approved else "return-staff-rejected", number=ticket.number
    )
    keyboard = refund_keyboard(customer_l10n, ticket.id) if approved else None
    method = text_message(customer.telegram_id, text, keyboard)
    _tell(session, services, customer, conversation, ticket, staff_id, now, method, staff_l10n)


async def move_complaint(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    ticket: Ticket,
    status: TicketStatus,
    staff_id: int,
    now: datetime,
    staff_l10n: L10n,
) -> None:
    """Move a complaint to a status; queue the news to the customer."""
    await tickets.move_complaint(session, ticket, status, staff_id, now, services.promises)
    customer_l10n = services.translations.get(customer.language)
    text = customer_l10n(
        "complaint-status-changed",
        number=ticket.number,
        status=customer_l10n(f"ticket-status-{ticket.status}"),
    )
    method = text_message(customer.telegram_id, text)
    _tell(session, services, customer, conversation, ticket, staff_id, now, method, staff_l10n)


def _tell(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    ticket: Ticket,
    staff_id: int,
    now: datetime,
    method: SendMessage,
    staff_l10n: L10n,
) -> None:
    """Queue the decision: once sent it answers the customer; if refused, staff hear."""
    assert customer.id is not None and conversation.id is not None
    sent = []
    if ticket.conversation_id == conversation.id:
        sent.append(receipts.decision_answers(conversation.id, staff_id, now))
    blocked = receipts.post_in_topic(customer.id, staff_l10n("staff-customer-blocked-bot"))
    queue_to_customer(
        session, services, customer, method, receipts.receipt(sent=sent, refused=[blocked])
    )
