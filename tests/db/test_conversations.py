"""Who is writing: the customer and their open conversation, found in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person
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
