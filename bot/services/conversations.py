"""Conversations: the customer's current matter, opened on demand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.customers import Person, refresh_customer, register_customer
from bot.statements import Prepared, PreparedLoad
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

_WITH_LATEST = (
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
_CUSTOMER_AND_LATEST = PreparedLoad(_WITH_LATEST, (Customer, Conversation))

_LAST_MESSAGE_AT = (
    update(Conversation.__table__)  # type: ignore[attr-defined]
    .where(Conversation.__table__.c.id == bindparam("conversation_id"))  # type: ignore[attr-defined]
    .values(last_message_at=bindparam("now"))
)
_TOUCH = Prepared(lambda _dialect: _LAST_MESSAGE_AT, ["conversation_id", "now"])


async def touch_conversation(
    session: AsyncSession, conversation: Conversation, now: datetime
) -> None:
    """Note the time of the conversation's latest message."""
    # A direct UPDATE: marking the object changed made the next query flush it through the
    # ORM's unit of work, which cost several times the statement, on every customer message.
    if conversation.id is None:  # not flushed yet: it goes in with its insert
        conversation.last_message_at = now
        return
    await _TOUCH.rowcount(session, {"conversation_id": conversation.id, "now": now})
    set_committed_value(conversation, "last_message_at", now)


async def latest_conversation(session: AsyncSession, customer_id: int) -> Conversation | None:
    """Return the customer's most recent conversation, open or not."""
    return (await session.exec(_LATEST, params={"customer_id": customer_id})).first()


async def customer_and_conversation(
    session: AsyncSession, person: Person, now: datetime
) -> tuple[Customer, Conversation]:
    """The customer writing (registered on first contact) and their open conversation."""
    # One query for both: on every customer message, a statement saved is a tenth of a
    # millisecond of SQLAlchemy's time.
    row = await _CUSTOMER_AND_LATEST.first(session, {"telegram_id": person.telegram_id})
    if row is None:
        customer, latest = await register_customer(session, person, now), None
    else:
        customer, latest = row
        refresh_customer(customer, person, now)
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
