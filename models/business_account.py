"""Telegram Business: the shop accounts connected to the bot and their customers' chats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import JSONType, UTCDateTime, utcnow


class BusinessConnection(SQLModel, table=True):
    """A business account connected to the bot (Telegram's BusinessConnection)."""

    __tablename__ = "business_connections"

    id: str = Field(primary_key=True, max_length=255)  # Telegram's connection id
    owner_id: int = Field(sa_type=sa.BigInteger, index=True)  # the account's user id
    owner_name: str = Field(sa_type=sa.String)
    owner_username: str | None = Field(default=None, sa_type=sa.String)
    can_reply: bool = False
    is_enabled: bool = True
    rights: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    connected_at: datetime = Field(sa_type=UTCDateTime)  # Telegram's date of the connection
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BusinessChat(SQLModel, table=True):
    """A customer who writes to a connected account: which one, and who speaks there now."""

    __tablename__ = "business_chats"

    customer_telegram_id: int = Field(sa_type=sa.BigInteger, primary_key=True)
    connection_id: str = Field(max_length=255, index=True)
    last_customer_at: datetime = Field(sa_type=UTCDateTime)
    owner_active_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused: bool = False  # staff paused the bot in this chat (/pause, /resume)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
