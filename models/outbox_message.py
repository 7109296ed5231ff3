"""Messages to staff topics and managers, queued with the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import OutboxStatus
from models.types import JSONType, UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """One Bot API call to make after commit; sent in order within its lane, once."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_lane", "status", "lane", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Messages of one lane (a customer's topic, a manager's chat) go out in insertion order.
    lane: str = Field(max_length=64)
    chat_id: int = Field(sa_type=sa.BigInteger)
    # Set for topic messages: the topic is looked up (or created) when the message is sent.
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    method: str = Field(max_length=40)  # an aiogram method class, e.g. "SendMessage"
    payload: dict[str, Any] = Field(sa_type=JSONType)
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    sent_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    # Who speaks through the message and what to record once it is sent or refused
    # (bot/telegram/receipts.py): the sender does it in the transaction that marks the row.
    receipt: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
