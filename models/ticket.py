"""Tickets: returns and complaints, each with a number and a status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import JSONType, UTCDateTime, utcnow


class Ticket(SQLModel, table=True):
    """A return or a complaint; its history lives in the event log."""

    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_customer_kind_created", "customer_id", "kind", "created_at"),
        sa.Index("ix_tickets_status", "status"),
        sa.Index("ix_tickets_conversation_kind", "conversation_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True, max_length=20)
    kind: str = Field(max_length=10)
    status: str = Field(max_length=12)
    customer_id: int = Field(foreign_key="customers.id")
    conversation_id: int | None = Field(default=None, foreign_key="conversations.id")
    description: str = Field(default="", sa_type=sa.Text)
    purchased_when: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=100)
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    currency: str | None = Field(default=None, max_length=8)
    photo_file_ids: list[str] | None = Field(default=None, sa_type=JSONType)
    auto_approved: bool = False
    refund_method: str | None = Field(default=None, max_length=32)
    decided_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    follow_up_outcome: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
