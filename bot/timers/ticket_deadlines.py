"""Ticket promises falling due: find the ticket and call the use case (complaints resolved in
time, returns decided in time: bot/usecases/escalate_overdue_ticket.py; follow-ups:
bot/usecases/ask_follow_up.py)."""

from __future__ import annotations

from aiogram import Bot
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.usecases.ask_follow_up import ask_follow_up
from bot.usecases.escalate_overdue_ticket import escalate_overdue_ticket
from models import Customer, Deadline, Ticket


async def _ticket(session: AsyncSession, deadline: Deadline) -> tuple[Ticket, Customer] | None:
    ticket = await session.get(Ticket, int(deadline.subject.split(":", 1)[1]))
    if ticket is None:
        return None
    customer = await session.get(Customer, ticket.customer_id)
    return (ticket, customer) if customer is not None else None


async def complaint_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """A complaint is still open after its working hours: up to the managers."""
    found = await _ticket(session, deadline)
    if found is not None:
        await escalate_overdue_ticket(
            session, services, *found, "complaint_overdue", services.clock()
        )


async def return_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """A return still waits for a decision: up to the managers."""
    found = await _ticket(session, deadline)
    if found is not None:
        await escalate_overdue_ticket(session, services, *found, "return_overdue", services.clock())


async def follow_up(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Ask the customer whether everything is all right now."""
    found = await _ticket(session, deadline)
    if found is not None:
        await ask_follow_up(session, services, *found, services.clock())
