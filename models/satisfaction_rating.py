"""Satisfaction ratings given when a conversation is resolved."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class SatisfactionRating(SQLModel, table=True):
    """A customer's 1-5 score of a resolved conversation, with an optional comment."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
        sa.UniqueConstraint("conversation_id", name="uq_ratings_conversation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    customer_id: int = Field(foreign_key="customers.id", index=True)
    score: int
    comment: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
