"""The message log: every message in both directions, recorded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import rows
from models import Message


@dataclass(frozen=True)
class MessageContent:
    """What a message carried, free of any framework type."""

    content_type: str
    text: str | None = None
    file_ids: list[str] = field(default_factory=list)
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class MessageRef:
    """Where a message lives in Telegram and who wrote it."""

    chat_id: int
    message_id: int
    direction: str
    author_kind: str
    author_telegram_id: int | None = None
    thread_id: int | None = None
    business_connection_id: str | None = None  # a chat with a shop account (None: the bot's)


async def record_message(
    session: AsyncSession,
    ref: MessageRef,
    content: MessageContent,
    now: datetime,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
    relay_of: int | None = None,
) -> int:
    """Store a message once and return its row id; a redelivered one is left unchanged."""
    # One statement, without the ORM's unit of work: this runs twice for every answer.
    row_id = await rows.insert_message(
        session,
        chat_id=ref.chat_id,
        telegram_message_id=ref.message_id,
        business_connection_id=ref.business_connection_id or "",
        thread_id=ref.thread_id,
        direction=ref.direction,
        author_kind=ref.author_kind,
        author_telegram_id=ref.author_telegram_id,
        content_type=content.content_type,
        text=content.text,
        file_ids=content.file_ids or None,
        extra=content.extra,
        created_at=now,
        conversation_id=conversation_id,
        customer_id=customer_id,
        relay_of=relay_of,
    )
    if row_id is None:
        existing = await find_message(
            session, ref.chat_id, ref.message_id, ref.business_connection_id
        )
        assert existing is not None and existing.id is not None
        row_id = existing.id
    return row_id


async def find_message(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    business_connection_id: str | None = None,
    *,
    for_update: bool = False,
) -> Message | None:
    """Return the recorded message with these Telegram ids, if any.

    `business_connection_id`: the message is in the customer's chat with that shop account,
    which numbers its messages apart from their chat with the bot (None). `for_update`: lock
    the row until the commit (PostgreSQL; SQLite's transactions are serial anyway).
    """
    stmt = select(Message).where(
        Message.chat_id == chat_id,
        Message.telegram_message_id == message_id,
        Message.business_connection_id == (business_connection_id or ""),
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.exec(stmt)).first()


async def record_edit(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    content: MessageContent,
    now: datetime,
    business_connection_id: str | None = None,
) -> Message | None:
    """Apply an edit to a recorded message, keeping the previous text in its extra data."""
    row = await find_message(session, chat_id, message_id, business_connection_id)
    if row is None:
        return None
    history = list((row.extra or {}).get("previous_texts", []))
    history.append(row.text)
    row.extra = {**(row.extra or {}), "previous_texts": history}
    row.text = content.text
    row.file_ids = content.file_ids or row.file_ids
    row.edited_at = now
    return row


async def relayed_copies(session: AsyncSession, original: Message) -> list[Message]:
    """Return the copies the bot made of a message in the other chat."""
    stmt = select(Message).where(Message.relay_of == original.id)
    return list((await session.exec(stmt)).all())
