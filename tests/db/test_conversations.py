"""Who is writing: the customer and their open conversation, found in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.rows import CUSTOMER_WITH_LATEST, customer_with_latest
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person, register_customer
from models import ConversationStatus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ANN = Person(5001, "Ann", language="ru")


async def test_a_first_message_registers_the_customer_and_opens_a_conversation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        customer, conversation = await customer_and_conversation(session, ANN, NOW)
    assert customer.id is not None and customer.language == "ru"
    assert conversation.customer_id == customer.id
    assert conversation.status == ConversationStatus.WITH_BOT


async def test_the_latest_open_conversation_is_kept_and_a_closed_one_replaced(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        customer, first = await customer_and_conversation(session, ANN, NOW)
    async with transaction(sessions) as session:
        again, same = await customer_and_conversation(session, ANN, NOW + timedelta(minutes=1))
    assert (again.id, same.id) == (customer.id, first.id)
    async with transaction(sessions) as session:
        same.status = ConversationStatus.RESOLVED
        session.add(same)
    async with transaction(sessions) as session:
        _, opened = await customer_and_conversation(session, ANN, NOW + timedelta(minutes=2))
        opened.status = ConversationStatus.RESOLVED
        opened.abusive = True  # closed for insults: stays current until a manager reopens it
    assert opened.id is not None and opened.id > (first.id or 0)
    async with transaction(sessions) as session:
        _, current = await customer_and_conversation(session, ANN, NOW + timedelta(minutes=3))
    assert current.id == opened.id


async def test_a_renamed_customer_is_updated_unless_they_chose_a_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await customer_and_conversation(session, ANN, NOW)
    later = NOW + timedelta(days=1)
    async with transaction(sessions) as session:
        renamed = Person(ANN.telegram_id, "Anna", username="anna", language="en")
        customer, _ = await customer_and_conversation(session, renamed, later)
        customer.language_chosen = True
    assert (customer.first_name, customer.username, customer.language) == ("Anna", "anna", "en")
    assert customer.updated_at == later
    async with transaction(sessions) as session:
        customer, _ = await customer_and_conversation(session, ANN, later)
    assert (customer.first_name, customer.language) == ("Ann", "en")


def _columns(instance: Any) -> dict[str, Any]:
    return {a.key: getattr(instance, a.key) for a in sa_inspect(type(instance)).column_attrs}


async def test_the_driver_loads_the_same_objects_as_the_orm_and_they_belong_to_the_session(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        customer, conversation = await customer_and_conversation(session, ANN, NOW)
        customer.blocked, customer.topic_id, customer.phone = True, 2**40, "+7 900 000-00-00"
        conversation.waiting_since = NOW + timedelta(seconds=1, microseconds=250)
        conversation.status = ConversationStatus.WAITING_STAFF
    params = {"telegram_id": ANN.telegram_id}
    async with transaction(sessions) as session:
        loaded = await customer_with_latest(session, ANN.telegram_id)
        assert loaded is not None
        by_orm = (await session.exec(CUSTOMER_WITH_LATEST, params=params)).first()
        assert by_orm is not None
        # The ORM found the objects already in the session: the same instances.
        assert by_orm[0] is loaded[0] and by_orm[1] is loaded[1]
        assert not session.dirty and not session.new
        # Changed like any loaded object, it is flushed as an UPDATE.
        loaded[1].status = ConversationStatus.ANSWERED
        assert session.is_modified(loaded[1])
    async with sessions() as fresh:
        orm_row = (await fresh.exec(CUSTOMER_WITH_LATEST, params=params)).first()
    async with transaction(sessions) as session:
        driver_row = await customer_with_latest(session, ANN.telegram_id)
    assert orm_row is not None and driver_row is not None and driver_row[1] is not None
    for by_orm_instance, by_driver in zip(orm_row, driver_row, strict=True):
        assert _columns(by_driver) == _columns(by_orm_instance)
        assert {k: type(v) for k, v in _columns(by_driver).items()} == {
            k: type(v) for k, v in _columns(by_orm_instance).items()
        }
    assert driver_row[1].status == ConversationStatus.ANSWERED
    assert driver_row[1].waiting_since == NOW + timedelta(seconds=1, microseconds=250)
    assert driver_row[0].blocked is True and driver_row[0].topic_id == 2**40


async def test_a_customer_without_a_conversation_loads_with_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await register_customer(session, Person(5002, "Bo"), NOW)
    async with transaction(sessions) as session:
        loaded = await customer_with_latest(session, 5002)
        nobody = await customer_with_latest(session, 5003)
    assert loaded is not None and loaded[0].first_name == "Bo" and loaded[1] is None
    assert nobody is None
