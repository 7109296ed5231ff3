"""The outbound log learns about a call from its CallContext: transaction, customer, author."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.methods import CopyMessage, SendMessage, TelegramMethod
from aiogram.types import Chat, Message, MessageId
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person
from bot.services.message_log import (
    MessageContent,
    MessageRef,
    find_message,
    record_edit,
    record_message,
    relayed_copies,
)
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


class _Clock:
    """A clock that moves a second on every reading, so "before" and "after" are distinct."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def _copy_while(
    sessions: async_sessionmaker[AsyncSession], edit_during_the_call: bool
) -> list[tuple[int | None, int, int]]:
    """A customer's message copied into their topic; perhaps edited while Telegram copies it."""
    clock = _Clock()
    log = OutboundLog(sessions, STAFF_CHAT, clock)
    queued: list[tuple[int | None, int, int]] = []

    async def edit_copy(
        _session: AsyncSession, original: Logged, chat: int, message: int, _customer: int | None
    ) -> None:
        queued.append((original.telegram_message_id, chat, message))
        assert original.text == "Where is order 12? Sorry, 21"

    log.mirror_late_edits(edit_copy)
    async with transaction(sessions) as session:
        ref = MessageRef(CUSTOMER, 300, Direction.IN, AuthorKind.CUSTOMER, CUSTOMER)
        await record_message(session, ref, MessageContent("text", "Where is order 12?"), clock())

    async def copied(_bot: Bot, _method: TelegramMethod[Any]) -> MessageId:
        # The customer's edit is handled (committed) after Telegram copied the old text and
        # before the copy is recorded: its handler found no copy to mirror onto.
        if edit_during_the_call:
            async with transaction(sessions) as edit:
                fixed = MessageContent("text", "Where is order 12? Sorry, 21")
                assert await record_edit(edit, CUSTOMER, 300, fixed, clock()) is not None
        return MessageId(message_id=77)

    copy = CopyMessage(chat_id=STAFF_CHAT, from_chat_id=CUSTOMER, message_id=300)
    # As the outbox sends: in a transaction that has run no statement before the call.
    async with transaction(sessions) as session:
        with making_calls(CallContext(session=session)):
            await log(copied, BOT, copy)
    await log.close()
    return queued


async def test_an_edit_made_while_telegram_copied_is_mirrored_onto_the_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await _copy_while(sessions, edit_during_the_call=True) == [(300, STAFF_CHAT, 77)]


async def test_a_copy_of_an_unedited_original_needs_no_edit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await _copy_while(sessions, edit_during_the_call=False) == []


async def test_an_edit_handled_while_a_copy_is_recorded_waits_and_then_finds_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The other order: the log holds the original's row, so the edit's handler waits for it."""
    async with transaction(sessions) as session:
        ref = MessageRef(CUSTOMER, 400, Direction.IN, AuthorKind.CUSTOMER, CUSTOMER)
        await record_message(session, ref, MessageContent("text", "Is it in stock?"), NOW)

    async def edit_and_find_copies() -> list[int]:
        async with transaction(sessions) as edit:
            fixed = MessageContent("text", "Is the blue one in stock?")
            original = await record_edit(edit, CUSTOMER, 400, fixed, NOW)
            assert original is not None
            return [copy.telegram_message_id for copy in await relayed_copies(edit, original)]

    async with transaction(sessions) as session:
        # What OutboundLog does when it records a copy: read the original, locking it.
        original = await find_message(session, CUSTOMER, 400, for_update=True)
        assert original is not None
        editing = asyncio.create_task(edit_and_find_copies())
        await asyncio.sleep(0.3)
        assert not editing.done()  # the edit waits for the copy's record
        ref = MessageRef(STAFF_CHAT, 78, Direction.OUT, AuthorKind.BOT, None, thread_id=9)
        content = MessageContent("text", original.text)
        await record_message(session, ref, content, NOW, relay_of=original.id)
    assert await editing == [78]
