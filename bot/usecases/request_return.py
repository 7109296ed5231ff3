"""Request a return: approved on the spot when small, else put before staff for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services import tickets
from bot.services.handoff import Waiting
from bot.telegram.cards import post_return_for_decision
from bot.usecases.hand_off import hand_off
from models import Conversation, Customer, Ticket, TicketStatus


@dataclass(frozen=True)
class ReturnRequested:
    """The return registered; `waiting` is set when staff must decide it."""

    ticket: Ticket
    waiting: Waiting | None

    @property
    def approved(self) -> bool:
        """Whether the return was approved on the spot."""
        return self.ticket.status == TicketStatus.APPROVED


async def request_return(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    request: tickets.ReturnRequest,
    now: datetime,
) -> ReturnRequested:
    """Register the return; if it is not approved at once, hand off and show staff its card."""
    assert customer.id is not None
    policy = services.content.policy
    ticket = await tickets.open_return(
        session,
        customer.id,
        conversation.id,
        request,
        services.return_policy,
        policy.currency,
        now,
        services.promises,
    )
    assert ticket.id is not None
    if ticket.status == TicketStatus.APPROVED:
        return ReturnRequested(ticket, None)
    waiting = await hand_off(session, services, customer, conversation, now, "return")
    await post_return_for_decision(services, session, ticket, customer, conversation)
    return ReturnRequested(ticket, waiting)
