"""Ticket promises: complaints resolved in time, returns decided in time, follow-ups sent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.events import log_event
from bot.services.handoff import escalate
from bot.telegram.alerts import alert_managers
from bot.telegram.buttons import FollowUpAnswer
from bot.telegram.outbox import queue_to_chat
from models import Conversation, Customer, Deadline, Ticket, TicketStatus


async def _ticket(session: AsyncSession, deadline: Deadline) -> tuple[Ticket, Customer] | None:
    ticket = await session.get(Ticket, int(deadline.subject.split(":", 1)[1]))
    if ticket is None:
        return None
    customer = await session.get(Customer, ticket.customer_id)
    return (ticket, customer) if customer is not None else None


async def _escalate_ticket(
    session: AsyncSession,
    services: Services,
    bot: Bot,
    ticket: Ticket,
    customer: Customer,
    reason: str,
) -> None:
    now = services.clock()
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


async def complaint_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """A complaint is still open after its working hours: up to the managers."""
    found = await _ticket(session, deadline)
    if found is None or found[0].status not in (TicketStatus.NEW, TicketStatus.IN_PROGRESS):
        return
    await _escalate_ticket(session, services, bot, *found, "complaint_overdue")


async def return_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """A return still waits for a decision: up to the managers."""
    found = await _ticket(session, deadline)
    if found is None or found[0].status != TicketStatus.PENDING:
        return
    await _escalate_ticket(session, services, bot, *found, "return_overdue")


async def follow_up(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Ask the customer whether everything is all right now."""
    found = await _ticket(session, deadline)
    if found is None:
        return
    ticket, customer = found
    if customer.blocked or ticket.follow_up_outcome is not None:
        return
    assert ticket.id is not None
    l10n = services.translations.get(customer.language)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=l10n("follow-up-ok"), callback_data=FollowUpAnswer(ticket=ticket.id, ok=True)
    )
    builder.button(
        text=l10n("follow-up-problem"), callback_data=FollowUpAnswer(ticket=ticket.id, ok=False)
    )
    question = SendMessage(
        chat_id=customer.telegram_id,
        text=l10n("follow-up-question", number=ticket.number),
        reply_markup=builder.as_markup(),
    )
    queue_to_chat(session, services, question)
    ticket.follow_up_outcome = "asked"
    await log_event(
        session,
        "follow_up_sent",
        services.clock(),
        conversation_id=ticket.conversation_id,
        customer_id=customer.id,
        ticket_id=ticket.id,
    )
