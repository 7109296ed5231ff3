"""The event log: escalations, breaches, status changes, and who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """Something that happened to a conversation or ticket, and who did it."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_conversation_created", "conversation_id", "created_at"),
        sa.Index("ix_events_kind_created", "kind", "created_at"),
        sa.Index("ix_events_ticket", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    conversation_id: int | None = Field(default=None, foreign_key="conversations.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    actor_kind: str = Field(default="system", max_length=10)
    actor_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    reason: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
