"""Messages: every message in both directions, as Telegram saw it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import JSONType, UTCDateTime, utcnow


class Message(SQLModel, table=True):
    """One Telegram message sent or received by the bot."""

    __tablename__ = "messages"
    __table_args__ = (
        # A customer's chat with a shop account and with the bot share the customer's id but
        # number their messages apart.
        sa.UniqueConstraint(
            "chat_id",
            "telegram_message_id",
            "business_connection_id",
            name="uq_messages_chat_message",
        ),
        sa.Index("ix_messages_conversation_created", "conversation_id", "created_at"),
        sa.Index("ix_messages_customer_created", "customer_id", "created_at"),
        sa.Index("ix_messages_created_at", "created_at"),
        sa.Index("ix_messages_author_conversation", "author_telegram_id", "conversation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversations.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    chat_id: int = Field(sa_type=sa.BigInteger)
    telegram_message_id: int = Field(sa_type=sa.BigInteger)
    # The connection of the shop account whose chat this is; "" for the bot's own chats.
    business_connection_id: str = Field(
        default="", max_length=255, sa_column_kwargs={"server_default": ""}
    )
    thread_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    direction: str = Field(max_length=3)
    author_kind: str = Field(max_length=10)
    author_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    content_type: str = Field(default="text", max_length=32)
    text: str | None = Field(default=None, sa_type=sa.Text)
    file_ids: list[str] | None = Field(default=None, sa_type=JSONType)
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSONType)  # contact, location...
    # For a copy relayed between the customer and the staff topic: the original message's row.
    relay_of: int | None = Field(default=None, foreign_key="messages.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
