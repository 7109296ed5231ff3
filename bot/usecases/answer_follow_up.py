"""Answer the follow-up on a decided return or complaint: thanks, or the matter reopened."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services import tickets
from bot.services.handoff import escalate
from bot.services.satisfaction import record_follow_up
from bot.telegram.alerts import alert_managers
from bot.usecases.hand_off import hand_off
from models import Conversation, Customer, Ticket


async def answer_follow_up(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    ticket_id: int,
    ok: bool,
    now: datetime,
) -> Ticket | None:
    """Record the answer; "still a problem" brings staff and a manager back. None: not theirs."""
    ticket = await tickets.get_ticket(session, ticket_id)
    if ticket is None or ticket.customer_id != customer.id:
        return None
    await record_follow_up(session, ticket, ok, now)
    if ok:
        return ticket
    reason = "follow_up_problem"
    await hand_off(session, services, customer, conversation, now, reason, detail=ticket.number)
    await escalate(session, conversation, now, reason, note=ticket.number)
    await alert_managers(
        services, session, "alert-follow-up-problem", customer=customer, number=ticket.number
    )
    return ticket
