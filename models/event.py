"""The event log: escalations, breaches, status changes, and who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.types import JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """Something that happened to a conversation or ticket, and who did it."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_conversation_created", "conversation_id", "created_at"),
        # Covers the figures' counts by kind and day: who, why and which conversation are
        # read from the index, never from the table (it also serves every kind+time lookup).
        sa.Index(
            "ix_events_kind_created_cover",
            "kind",
            "created_at",
            "actor_telegram_id",
            "reason",
            "conversation_id",
        ),
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


def data_field(key: str) -> Any:
    """An element of `Event.data`, its key written into the SQL rather than sent as a parameter.

    Both databases match an index on an expression only against the same expression with the
    same constants: a parameter (or a generic PostgreSQL plan) would never use the index.
    """
    literal = sa.bindparam(None, key, type_=sa.JSON.JSONStrIndexType(), literal_execute=True)
    return col(Event.data)[literal]


# Whether an answer came after the reply promise was already broken (`reply_clock_stopped`).
REPLY_BREACHED = data_field("breached").as_boolean()

# The late answers among the many: counted from this index alone, no JSON read per answer.
sa.Index(
    "ix_events_kind_breached_created",
    col(Event.kind),
    REPLY_BREACHED,
    col(Event.created_at),
    col(Event.actor_telegram_id),
)
