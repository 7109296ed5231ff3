"""The rows every update writes, and the customer it loads, on the database driver directly.

Each function owns its prepared statement (`bot.statements`) and keeps that fast path's rules
itself, so the services that call it need not know them: every column is given (the fast path
computes no defaults), new ORM objects a row refers to are flushed first (the ORM is not
flushed for it), U+0000 inside JSON is replaced (the statement-level replacement sees only the
escaped form), and a loaded row is attached to the session as ORM objects. Only this module
imports `bot.statements` (an import-linter contract).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, func, insert, literal_column, null, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import without_nul
from bot.statements import Prepared, PreparedLoad, columns_but_id
from models import Conversation, Customer, Event, InboxUpdate, Message
from models.inbox_update import DONE, PENDING

_MESSAGES = Message.__table__  # type: ignore[attr-defined]
_EVENTS = Event.__table__  # type: ignore[attr-defined]
_CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]


def _upsert(dialect: str) -> Any:
    """PostgreSQL's or SQLite's INSERT, both with ON CONFLICT."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


# Messages


@functools.cache
def _message_insert(dialect: str) -> Insert:
    """The message INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect."""
    # Building a statement with its values costs SQLAlchemy more than running it does.
    return (
        _upsert(dialect)(_MESSAGES)
        .on_conflict_do_nothing(
            index_elements=["chat_id", "telegram_message_id", "business_connection_id"]
        )
        .returning(_MESSAGES.c.id)
    )


_INSERT_MESSAGE = Prepared(_message_insert, columns_but_id(_MESSAGES))


async def insert_message(
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_message_id: int,
    business_connection_id: str,
    thread_id: int | None,
    direction: str,
    author_kind: str,
    author_telegram_id: int | None,
    content_type: str,
    text: str | None,
    file_ids: list[str] | None,
    extra: dict[str, Any] | None,
    created_at: datetime,
    conversation_id: int | None,
    customer_id: int | None,
    relay_of: int | None,
) -> int | None:
    """Insert a message row; its id, or None if that Telegram message is stored already."""
    row_id = await _INSERT_MESSAGE.scalar(
        session,
        {
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "chat_id": chat_id,
            "telegram_message_id": telegram_message_id,
            "business_connection_id": business_connection_id,
            "thread_id": thread_id,
            "direction": direction,
            "author_kind": author_kind,
            "author_telegram_id": author_telegram_id,
            "content_type": content_type,
            "text": text,
            "file_ids": file_ids,
            "extra": extra,
            "relay_of": relay_of,
            "created_at": created_at,
            "edited_at": None,
        },
    )
    return None if row_id is None else int(row_id)


# Events


_EVENT = insert(_EVENTS)
_INSERT_EVENT = Prepared(lambda _dialect: _EVENT, columns_but_id(_EVENTS))


async def insert_event(
    session: AsyncSession,
    *,
    kind: str,
    created_at: datetime,
    conversation_id: int | None,
    customer_id: int | None,
    ticket_id: int | None,
    actor_kind: str,
    actor_telegram_id: int | None,
    reason: str | None,
    data: dict[str, Any] | None,
) -> None:
    """Insert an event row, after the new objects it may refer to."""
    if session.new:  # rows the event may refer to go first, as a flush would order them
        await session.flush()
    await _INSERT_EVENT.rowcount(
        session,
        {
            "kind": kind,
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "ticket_id": ticket_id,
            "actor_kind": actor_kind,
            "actor_telegram_id": actor_telegram_id,
            "reason": reason,
            # A customer's words in the data may hold U+0000; inside JSON it is escaped, so
            # the statement-level replacement misses it and PostgreSQL's JSONB refuses it.
            "data": without_nul(data),
            "created_at": created_at,
        },
    )


# Conversations and customers


_LAST_MESSAGE_AT = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(last_message_at=bindparam("now"))
)
_TOUCH = Prepared(lambda _dialect: _LAST_MESSAGE_AT, ["conversation_id", "now"])


async def set_last_message_at(
    session: AsyncSession, conversation: Conversation, now: datetime
) -> None:
    """Set the conversation's last-message time, in the database and on the loaded object."""
    # A direct UPDATE: marking the object changed made the next query flush it through the
    # ORM's unit of work, which cost several times the statement, on every customer message.
    if conversation.id is None:  # not flushed yet: it goes in with its insert
        conversation.last_message_at = now
        return
    await _TOUCH.rowcount(session, {"conversation_id": conversation.id, "now": now})
    set_committed_value(conversation, "last_message_at", now)


CUSTOMER_WITH_LATEST = (
    select(Customer, Conversation)
    .outerjoin(
        Conversation,
        col(Conversation.id)
        == select(func.max(Conversation.id))
        .where(Conversation.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery(),
    )
    .where(Customer.telegram_id == bindparam("telegram_id"))
)
_CUSTOMER_AND_LATEST = PreparedLoad(CUSTOMER_WITH_LATEST, (Customer, Conversation))


async def customer_with_latest(
    session: AsyncSession, telegram_id: int
) -> tuple[Customer, Conversation | None] | None:
    """The customer with this Telegram id and their latest conversation (as loaded ORM objects)."""
    row = await _CUSTOMER_AND_LATEST.first(session, {"telegram_id": telegram_id})
    if row is None:
        return None
    customer, latest = row
    return customer, latest


# The inbox


@functools.cache
def _store(dialect: str) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING of a pending update: a redelivery stores nothing."""
    return _upsert(dialect)(_INBOX).on_conflict_do_nothing(index_elements=["update_id"])


@functools.cache
def _claim(dialect: str) -> Insert:
    """Mark an update done, inserting its row if it never went through the inbox."""
    insert_ = _upsert(dialect)(_INBOX)
    return insert_.on_conflict_do_update(
        index_elements=["update_id"],
        # Constants as SQL, not parameters: the compiled statement takes only the row's values.
        set_={
            "status": insert_.excluded.status,
            "body": null(),
            "handled_at": insert_.excluded.handled_at,
        },
        # A row already done is left alone: 0 rows changed tells the caller it is a repeat.
        where=_INBOX.c.status != literal_column(f"'{DONE}'"),
    )


_STORE = Prepared(_store, ["update_id", "status", "body", "received_at", "claimed_until"])
_CLAIM = Prepared(_claim, ["update_id", "status", "received_at", "handled_at"])


async def insert_pending_update(
    session: AsyncSession, update_id: int, body: str, now: datetime, lease_until: datetime
) -> bool:
    """Store an update as pending, leased to the caller; False if it was stored already."""
    stored = await _STORE.rowcount(
        session,
        {
            "update_id": update_id,
            "status": PENDING,
            "body": body,
            "received_at": now,
            "claimed_until": lease_until,
        },
    )
    return bool(stored)


async def mark_update_done(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark an update done in this transaction; False if it already was (a repeat)."""
    # ON CONFLICT: a concurrent twin waits for our commit, then finds the row done.
    claimed = await _CLAIM.rowcount(
        session,
        {"update_id": update_id, "status": DONE, "received_at": now, "handled_at": now},
    )
    return bool(claimed)
