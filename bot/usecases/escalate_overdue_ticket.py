"""A complaint unresolved or a return undecided past its promise: up to the managers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.events import log_event
from bot.services.handoff import escalate
from bot.telegram.alerts import alert_managers
from models import Conversation, Customer, Ticket, TicketStatus

# The statuses in which each overdue reason still holds.
STILL_OPEN = {
    "complaint_overdue": (TicketStatus.NEW, TicketStatus.IN_PROGRESS),
    "return_overdue": (TicketStatus.PENDING,),
}


async def escalate_overdue_ticket(
    session: AsyncSession,
    services: Services,
    ticket: Ticket,
    customer: Customer,
    reason: str,
    now: datetime,
) -> bool:
    """Escalate the ticket's conversation and alert the managers; False if it was settled."""
    if ticket.status not in STILL_OPEN[reason]:
        return False
    conversation = (
        await session.get(Conversation, ticket.conversation_id) if ticket.conversation_id else None
    )
    if conversation is not None:
        await escalate(session, conversation, now, reason, note=ticket.number)
    else:
        await log_event(
            session, "escalated", now, customer_id=customer.id, ticket_id=ticket.id, reason=reason
        )
    await alert_managers(
        services,
        session,
        f"alert-{reason.replace('_', '-')}",
        customer=customer,
        number=ticket.number,
    )
    return True
