"""The event log: one function records who did what to which conversation or ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import rows
from models import AuthorKind


async def log_event(
    session: AsyncSession,
    kind: str,
    now: datetime,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    actor_kind: str = AuthorKind.SYSTEM,
    actor_telegram_id: int | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an event to the log."""
    await rows.insert_event(
        session,
        kind=kind,
        created_at=now,
        conversation_id=conversation_id,
        customer_id=customer_id,
        ticket_id=ticket_id,
        actor_kind=actor_kind,
        actor_telegram_id=actor_telegram_id,
        reason=reason,
        data=data,
    )
