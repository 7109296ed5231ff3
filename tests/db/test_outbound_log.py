"""The outbound log learns about a call from its CallContext: transaction, customer, author."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.methods import CopyMessage, SendMessage, TelegramMethod
from aiogram.types import Chat, Message
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person
from bot.services.message_log import MessageContent, MessageRef, record_message
from bot.telegram.call_context import Author, CallContext, ChatOwner, making_calls
from bot.telegram.outbound import OutboundLog
from models import AuthorKind, Direction
from models import Message as Logged

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STAFF_CHAT, CUSTOMER = -100123, 5101
BOT = Bot("123456:" + "A" * 35)


def _answered(message_id: int, text: str) -> Any:
    """The rest of the request chain: Telegram accepts the call and returns the message."""

    async def make_request(_bot: Bot, _method: TelegramMethod[Any]) -> Message:
        chat = Chat(id=CUSTOMER, type="private")
        return Message(message_id=message_id, date=NOW, chat=chat, text=text)

    return make_request


async def _logged(session: AsyncSession, message_id: int) -> Logged:
    stmt = select(Logged).where(col(Logged.telegram_message_id) == message_id)
    return (await session.exec(stmt)).one()


async def test_a_call_is_logged_in_its_contexts_transaction_as_its_author(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = OutboundLog(sessions, STAFF_CHAT, lambda: NOW)
    async with transaction(sessions) as session:
        customer, conversation = await customer_and_conversation(
            session, Person(CUSTOMER, "Ann"), NOW
        )
        assert customer.id is not None
        owner = ChatOwner(CUSTOMER, customer.id, conversation.id)
        staff = Author(AuthorKind.STAFF, 42)
        with making_calls(CallContext(session=session, owner=owner, author=staff)):
            await log(
                _answered(7, "Your parcel left today"), BOT, SendMessage(chat_id=CUSTOMER, text="x")
            )
        # In this transaction already, before its commit: no second session was needed.
        row = await _logged(session, 7)
        assert (row.author_kind, row.author_telegram_id) == (AuthorKind.STAFF, 42)
        assert (row.customer_id, row.conversation_id) == (customer.id, conversation.id)
    await log.close()


async def test_a_copy_sent_as_its_content_is_logged_as_that_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What BusinessRouting makes of a copyMessage (a send) still records what it copies."""
    log = OutboundLog(sessions, STAFF_CHAT, lambda: NOW)
    async with transaction(sessions) as session:
        ref = MessageRef(STAFF_CHAT, 300, Direction.IN, AuthorKind.STAFF, 42, thread_id=9)
        original = await record_message(session, ref, MessageContent("text", "Hello"), NOW)
        copy = CopyMessage(chat_id=CUSTOMER, from_chat_id=STAFF_CHAT, message_id=300)
        with making_calls(CallContext(session=session)):
            await log(_answered(8, "Hello"), BOT, copy)
        row = await _logged(session, 8)
        assert row.relay_of == original and row.text == "Hello"
        assert row.author_kind == AuthorKind.BOT
    await log.close()


async def test_without_a_context_a_call_is_logged_in_a_transaction_of_its_own(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = OutboundLog(sessions, STAFF_CHAT, lambda: NOW)
    await log(_answered(9, "Good morning"), BOT, SendMessage(chat_id=CUSTOMER, text="x"))
    async with transaction(sessions) as session:
        row = await _logged(session, 9)
    assert row.direction == Direction.OUT and row.customer_id is None
    await log.close()
