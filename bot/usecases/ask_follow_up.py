"""Ask the customer, days after a decision, whether everything is all right now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.events import log_event
from bot.telegram.buttons import follow_up_keyboard
from bot.telegram.outbox import queue_to_chat, text_message
from models import Customer, Ticket


async def ask_follow_up(
    session: AsyncSession, services: Services, ticket: Ticket, customer: Customer, now: datetime
) -> bool:
    """Queue the question once; False when the customer blocked the bot or already answered."""
    if customer.blocked or ticket.follow_up_outcome is not None:
        return False
    assert ticket.id is not None
    l10n = services.translations.get(customer.language)
    question = text_message(
        customer.telegram_id,
        l10n("follow-up-question", number=ticket.number),
        follow_up_keyboard(l10n, ticket.id),
    )
    queue_to_chat(session, services, question)
    ticket.follow_up_outcome = "asked"
    await log_event(
        session,
        "follow_up_sent",
        now,
        conversation_id=ticket.conversation_id,
        customer_id=customer.id,
        ticket_id=ticket.id,
    )
    return True
