"""The event log: one function records who did what to which conversation or ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import without_nul
from bot.statements import Prepared, columns_but_id
from models import AuthorKind, Event

# Built once, and run without the ORM's unit of work: building and flushing an Event cost
# more than the INSERT itself, on every answer.
_EVENT = insert(Event.__table__)  # type: ignore[attr-defined]
_INSERT = Prepared(lambda _dialect: _EVENT, columns_but_id(Event.__table__))  # type: ignore[attr-defined]


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
    if session.new:  # rows the event may refer to go first, as a flush would order them
        await session.flush()
    await _INSERT.rowcount(
        session,
        {
            "kind": kind,
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "ticket_id": ticket_id,
            "actor_kind": actor_kind,
            "actor_telegram_id": actor_telegram_id,
            "reason": reason,
            # A customer's words in the data may hold U+0000; inside JSON it is escaped, so
            # the statement-level replacement misses it and PostgreSQL's JSONB refuses it.
            "data": without_nul(data),
            "created_at": now,
        },
    )
