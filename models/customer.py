"""Customers: people who write to the bot in a private chat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Customer(SQLModel, table=True):
    """A Telegram user who wrote to the bot."""

    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    # Names, the phone and the ban reason are what people typed: no length limit (0006).
    first_name: str = Field(default="")
    last_name: str | None = Field(default=None)
    username: str | None = Field(default=None)
    language: str = Field(default="en", max_length=8)
    language_chosen: bool = False  # an explicit /language choice beats the app's language
    phone: str | None = Field(default=None)
    blocked: bool = False
    blocked_reason: str | None = Field(default=None)
    topic_id: int | None = Field(default=None, sa_type=sa.BigInteger)  # staff forum topic
    # The staff group holding topic_id (None: STAFF_CHAT_ID); a shop account may have its own.
    topic_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        """Return the name staff see for this customer."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p).strip()
        return name or (f"@{self.username}" if self.username else str(self.telegram_id))
