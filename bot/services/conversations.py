"""Conversations: the customer's current matter, opened on demand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import rows
from bot.services.customers import Person, refresh_customer, register_customer
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


async def touch_conversation(
    session: AsyncSession, conversation: Conversation, now: datetime
) -> None:
    """Note the time of the conversation's latest message."""
    await rows.set_last_message_at(session, conversation, now)


async def latest_conversation(session: AsyncSession, customer_id: int) -> Conversation | None:
    """Return the customer's most recent conversation, open or not."""
    return (await session.exec(_LATEST, params={"customer_id": customer_id})).first()


async def customer_and_conversation(
    session: AsyncSession, person: Person, now: datetime, *, may_open: bool = True
) -> tuple[Customer, Conversation]:
    """The customer writing (registered on first contact) and their open conversation.

    `may_open=False`: the update continues their latest conversation even if it is closed (a
    rating and its comment come after the resolution and belong to what they rate).
    """
    # One query for both: on every customer message, a statement saved is a tenth of a
    # millisecond of SQLAlchemy's time.
    row = await rows.customer_with_latest(session, person.telegram_id)
    if row is None:
        customer, latest = await register_customer(session, person, now), None
    else:
        customer, latest = row
        refresh_customer(customer, person, now)
    if latest is not None and not may_open:
        return customer, latest
    return customer, await _open_or_new(session, customer, latest, now)


async def _open_or_new(
    session: AsyncSession, customer: Customer, latest: Conversation | None, now: datetime
) -> Conversation:
    # An abusive conversation stays current until a manager reopens it, so nothing is relayed.
    if latest is not None and (latest.status in OPEN_STATUSES or latest.abusive):
        return latest
    assert customer.id is not None
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
