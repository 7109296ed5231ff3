"""Resolve a conversation: its complaints resolved with it, the customer told and asked to rate."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff, tickets
from bot.services.outbox_rows import chat_lane
from bot.telegram import receipts
from bot.telegram.buttons import rating_keyboard
from bot.telegram.outbox import queue_to_customer, text_message
from models import Conversation, Customer, Ticket, TicketKind

RESOLVED_REPLIES = ("staff-resolved", "staff-resolved-not-told")


async def resolve_conversation(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    staff_id: int,
    now: datetime,
    l10n: L10n,
    reply_to: int | None = None,
) -> list[Ticket]:
    """Resolve it; the staff reply (`l10n`, answering `reply_to`) follows the customer's news.

    Returns the complaints resolved with it, whose cards the caller shows as resolved.
    """
    await handoff.resolve(session, conversation, staff_id, now)
    customer_l10n = services.translations.get(customer.language)
    conversation_id, customer_id = conversation.id, customer.telegram_id
    assert conversation_id is not None
    complaints = await tickets.resolve_complaints_with(
        session, conversation_id, staff_id, now, services.promises
    )
    done = [
        customer_l10n(
            "complaint-status-changed",
            number=ticket.number,
            status=customer_l10n(f"ticket-status-{ticket.status}"),
        )
        for ticket in complaints
    ]
    resolved_text = "\n\n".join([*done, customer_l10n("conversation-resolved")])
    extra = []
    if complaints:
        numbers = ", ".join(ticket.number for ticket in complaints)
        extra.append(l10n("staff-resolved-complaints", numbers=numbers))
    pending = [
        ticket.number
        for ticket in await tickets.open_tickets(session, customer.id or 0)
        if ticket.kind == TicketKind.RETURN and ticket.conversation_id == conversation_id
    ]
    if pending:
        extra.append(l10n("staff-resolved-returns-pending", numbers=", ".join(pending)))
    # Staff hear whether the customer was told once the sender knows: after the commit.
    assert customer.id is not None
    told, not_told = ("\n".join([l10n(key), *extra]) for key in RESOLVED_REPLIES)
    ask = text_message(customer_id, customer_l10n("rating-ask"), rating_keyboard(conversation_id))
    queue_to_customer(
        session,
        services,
        customer,
        text_message(customer_id, resolved_text),
        receipts.receipt(
            sent=[
                receipts.post_in_topic(customer.id, told, reply_to),
                receipts.then_send(chat_lane(customer_id), ask),
            ],
            refused=[receipts.post_in_topic(customer.id, not_told, reply_to)],
        ),
    )
    return complaints
