"""The callback promised for the morning was not made in time: escalate and tell the managers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.events import log_event
from bot.services.handoff import escalate
from bot.telegram.alerts import alert_managers
from bot.telegram.dates import promise_time
from models import Conversation, Customer


async def miss_callback(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    customer: Customer,
    due_at: datetime,
    now: datetime,
) -> int:
    """Record the breach, escalate the conversation; return how many managers were told."""
    await log_event(
        session,
        "callback_breach",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
        data={"due_at": due_at.isoformat()},
    )
    await escalate(session, conversation, now, "callback_missed")
    l10n = services.staff_texts()
    due = promise_time(due_at, services.promises.schedule.tz, l10n.language)
    return await alert_managers(
        services,
        session,
        "alert-callback-missed",
        customer=customer,
        due=due,
        phone=customer.phone or "—",
    )
