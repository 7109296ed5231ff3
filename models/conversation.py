"""Conversations: one customer's matter from first message to resolution."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import ConversationStatus
from models.types import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """A customer's conversation with the bot and the staff."""

    __tablename__ = "conversations"
    __table_args__ = (
        sa.Index("ix_conversations_customer_status", "customer_id", "status"),
        sa.Index("ix_conversations_status_waiting", "status", "waiting_since"),
        sa.Index("ix_conversations_opened_at", "opened_at"),
        # The figures find a period's first answers from here, not from every answer's event.
        sa.Index("ix_conversations_first_response_at", "first_response_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    status: str = Field(default=ConversationStatus.WITH_BOT, max_length=20)
    abusive: bool = False
    staff_topic_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    language: str = Field(default="en", max_length=8)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
