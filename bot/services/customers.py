"""Customers: find or register the person writing, keep their details current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Customer

# Built once: building a statement costs SQLAlchemy more than running it, on every update.
_BY_TELEGRAM_ID = select(Customer).where(Customer.telegram_id == bindparam("telegram_id"))


@dataclass(frozen=True)
class Person:
    """What Telegram tells us about a user, free of any framework type."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language: str = "en"


async def register_customer(session: AsyncSession, person: Person, now: datetime) -> Customer:
    """Store a Telegram user writing for the first time."""
    customer = Customer(
        telegram_id=person.telegram_id,
        first_name=person.first_name,
        last_name=person.last_name,
        username=person.username,
        language=person.language,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    await session.flush()
    return customer


def refresh_customer(customer: Customer, person: Person, now: datetime) -> None:
    """Take the name and, until they choose one, the language Telegram reports now."""
    changed = (customer.first_name, customer.last_name, customer.username) != (
        person.first_name,
        person.last_name,
        person.username,
    )
    if changed:
        customer.first_name = person.first_name
        customer.last_name = person.last_name
        customer.username = person.username
    if not customer.language_chosen and customer.language != person.language:
        customer.language = person.language
        changed = True
    if changed:
        customer.updated_at = now


async def find_by_topic(
    session: AsyncSession, topic_id: int, group: int | None = None
) -> Customer | None:
    """Return the customer whose staff topic this is.

    `group`: the topic is in a shop account's own staff group (thread ids are per group);
    None: in the shared STAFF_CHAT_ID (its customers' topic_chat_id is None).
    """
    where = (
        col(Customer.topic_chat_id).is_(None)
        if group is None
        else col(Customer.topic_chat_id) == group
    )
    stmt = select(Customer).where(Customer.topic_id == topic_id, where)
    return (await session.exec(stmt)).first()


async def find_by_telegram_id(session: AsyncSession, telegram_id: int) -> Customer | None:
    """Return the customer with this Telegram user id."""
    return (await session.exec(_BY_TELEGRAM_ID, params={"telegram_id": telegram_id})).first()
