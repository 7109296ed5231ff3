"""Escalate by hand: a staff member hands a conversation up to the managers, with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services import handoff
from bot.telegram.alerts import alert_managers
from models import AuthorKind, Conversation, Customer


async def escalate_to_managers(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    customer: Customer,
    staff_id: int,
    staff_name: str,
    note: str | None,
    now: datetime,
) -> int:
    """Mark the conversation escalated and alert the managers; how many were told."""
    await handoff.escalate(
        session,
        conversation,
        now,
        "staff",
        actor_kind=AuthorKind.STAFF,
        actor_id=staff_id,
        note=note,
    )
    return await alert_managers(
        services, session, "alert-escalated", customer=customer, by=staff_name, note=note or "—"
    )
