"""Complain: the complaint numbered, the conversation handed to staff, its card in the topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services import tickets
from bot.services.handoff import Waiting
from bot.telegram.cards import post_complaint
from bot.usecases.hand_off import hand_off
from models import Conversation, Customer, Ticket


@dataclass(frozen=True)
class Complained:
    """The complaint registered and what the customer is promised meanwhile."""

    ticket: Ticket
    waiting: Waiting


async def complain(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    text: str,
    photos: tuple[str, ...],
    now: datetime,
) -> Complained:
    """Register the complaint, bring staff in, and put the complaint before them."""
    assert customer.id is not None
    ticket = await tickets.open_complaint(
        session, customer.id, conversation.id, text, photos, now, services.promises
    )
    waiting = await hand_off(session, services, customer, conversation, now, "complaint")
    await post_complaint(services, session, ticket, customer, conversation)
    return Complained(ticket, waiting)
