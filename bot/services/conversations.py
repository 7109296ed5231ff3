"""Conversations: the customer's current matter, opened on demand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Conversation, ConversationStatus, Customer

OPEN_STATUSES = (
    ConversationStatus.WITH_BOT,
    ConversationStatus.WAITING_STAFF,
    ConversationStatus.ANSWERED,
)

# Built once: building a statement costs SQLAlchemy more than running it, on every update.
_LATEST = (
    select(Conversation)
    .where(Conversation.customer_id == bindparam("customer_id"))
    .order_by(col(Conversation.id).desc())
    .limit(1)
)

_TOUCH = (
    update(Conversation.__table__)  # type: ignore[attr-defined]
    .where(Conversation.__table__.c.id == bindparam("conversation_id"))  # type: ignore[attr-defined]
    .values(last_message_at=bindparam("now"))
)


async def touch_conversation(
    session: AsyncSession, conversation: Conversation, now: datetime
) -> None:
    """Note the time of the conversation's latest message."""
    # A direct UPDATE: marking the object changed made the next query flush it through the
    # ORM's unit of work, which cost several times the statement, on every customer message.
    if conversation.id is None:  # not flushed yet: it goes in with its insert
        conversation.last_message_at = now
        return
    await session.exec(_TOUCH, params={"conversation_id": conversation.id, "now": now})
    set_committed_value(conversation, "last_message_at", now)


async def latest_conversation(session: AsyncSession, customer_id: int) -> Conversation | None:
    """Return the customer's most recent conversation, open or not."""
    return (await session.exec(_LATEST, params={"customer_id": customer_id})).first()


async def current_conversation(
    session: AsyncSession, customer: Customer, now: datetime
) -> Conversation:
    """Return the customer's open conversation, opening a new one if none is open."""
    assert customer.id is not None
    latest = await latest_conversation(session, customer.id)
    # An abusive conversation stays current until a manager reopens it, so nothing is relayed.
    if latest is not None and (latest.status in OPEN_STATUSES or latest.abusive):
        return latest
    conversation = Conversation(
        customer_id=customer.id,
        status=ConversationStatus.WITH_BOT,
        staff_topic_id=customer.topic_id,
        language=customer.language,
        opened_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation
