"""Messages to staff topics and managers go through the outbox: after commit, retried, once."""

from __future__ import annotations

import asyncio
import signal

import pytest
from sqlmodel import select

from bot.db import create_sessionmaker, transaction
from models import OutboxMessage, OutboxStatus
from tests.e2e.conftest import Harness, eventually
from tests.e2e.test_restart import launch
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(240)


async def rows(h: Harness) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    async with transaction(h.services.sessions) as session:
        return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def staff_texts(emu: Emulator, needle: str) -> list[dict]:
    """The bot's messages anywhere in the staff chat whose text or caption contains needle."""
    return [
        m
        for m in emu.bot_messages(emu.group_id)
        if needle in (m.get("text") or m.get("caption") or "")
    ]


async def test_a_telegram_outage_delays_staff_copies_but_loses_and_repeats_none(
    harness: Harness,
) -> None:
    h = harness
    user = h.customer(760001, "Vera")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    h.emu.inject_fault("copyMessage", kind="500", count=None)
    await h.emu.send_text(user, "the parcel came open")

    async def retried() -> OutboxMessage | None:
        waiting = [r for r in await rows(h) if r.method == "CopyMessage"]
        return waiting[0] if waiting and waiting[0].attempts >= 1 else None

    row = await eventually(retried)
    assert row is not None and row.status == OutboxStatus.PENDING
    assert "Internal Server Error" in (row.last_error or "")
    assert not staff_texts(h.emu, "the parcel came open")
    h.emu.clear_faults()

    async def delivered() -> list[dict]:
        return staff_texts(h.emu, "the parcel came open")

    copies = await eventually(delivered)
    await asyncio.sleep(1)  # a second send would show up by now
    copies = staff_texts(h.emu, "the parcel came open")
    assert len(copies) == 1 and copies[0]["message_thread_id"] == topic
    sent = [r for r in await rows(h) if r.method == "CopyMessage"]
    assert [r.status for r in sent] == [OutboxStatus.SENT]
    assert sent[0].sent_message_id == copies[0]["message_id"]


async def test_the_context_card_comes_before_the_copy_in_a_new_topic(harness: Harness) -> None:
    h = harness
    user = h.customer(760002, "Ilya")
    await h.say(user, "Do you have a franchise?")  # near the FAQ but not in it: a handoff
    topic = await h.wait_topic(user)

    async def both() -> list[dict] | None:
        messages = [m for m in h.emu.bot_messages(h.staff_chat, topic) if m.get("text")]
        return messages if len(messages) >= 2 else None

    messages = await eventually(both)
    assert messages is not None
    assert "no confident FAQ answer" in messages[0]["text"]
    assert "franchise" in messages[1]["text"]


async def test_a_message_queued_before_a_crash_is_sent_once_after_restart(
    emu: Emulator, engine, database_url
) -> None:
    sessions = create_sessionmaker(engine)
    since = len(emu.calls)
    # The topic takes long to create, so the bot dies after the commit and before the send.
    emu.inject_fault("createForumTopic", kind="slow", count=1, delay=3)
    first = launch(emu, database_url)
    try:
        await emu.wait_for_call("getUpdates", timeout=120, since=since)
        emu.add_user(760003, "Oleg", language_code="en")
        await emu.send_text(760003, "👤 Talk to a person")
        await emu.wait_for_bot_message(
            760003, lambda m: "passed your conversation" in m["text"], timeout=30
        )

        async def queued() -> list[OutboxMessage]:
            async with transaction(sessions) as session:
                return list((await session.exec(select(OutboxMessage))).all())

        assert await eventually(queued, timeout=10)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert not staff_texts(emu, "760003")  # nothing reached staff before the crash

    second = launch(emu, database_url)
    try:
        await emu.wait_for_bot_message(
            emu.group_id, lambda m: "760003" in (m.get("text") or ""), timeout=120
        )
        await asyncio.sleep(2)  # would a second drain send it again?
        cards = staff_texts(emu, "760003")
        assert len(cards) == 1
        async with transaction(sessions) as session:
            statuses = (await session.exec(select(OutboxMessage.status))).all()
        assert statuses and set(statuses) == {OutboxStatus.SENT}
    finally:
        second.terminate()
        second.wait(timeout=30)


async def test_alerts_queued_together_for_one_chat_arrive_as_one_message(
    harness: Harness,
) -> None:
    h = harness
    from aiogram.methods import SendMessage
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    from bot.telegram.outbox import queue_to_chat
    from tests.e2e.conftest import MANAGER_ID

    buttons = InlineKeyboardBuilder()
    buttons.button(text="Done", callback_data="noop")
    queued = [
        SendMessage(chat_id=MANAGER_ID, text="alert one"),
        SendMessage(chat_id=MANAGER_ID, text="alert two"),
        SendMessage(chat_id=MANAGER_ID, text="alert three"),
        SendMessage(chat_id=MANAGER_ID, text="a list", reply_markup=buttons.as_markup()),
        SendMessage(chat_id=MANAGER_ID, text="alert four"),
    ]
    before = len(h.emu.bot_messages(MANAGER_ID))
    async with transaction(h.services.sessions) as session:
        for method in queued:
            queue_to_chat(session, h.services, method)

    async def arrived() -> list[dict] | None:
        got = h.emu.bot_messages(MANAGER_ID)[before:]
        return got if len(got) >= 3 else None

    got = await eventually(arrived)
    assert got is not None
    await asyncio.sleep(0.5)
    got = h.emu.bot_messages(MANAGER_ID)[before:]
    assert [m["text"] for m in got] == [
        "alert one\n\nalert two\n\nalert three",
        "a list",
        "alert four",
    ]
    assert "reply_markup" in got[1]
    assert {r.status for r in await rows(h)} == {OutboxStatus.SENT}


async def test_a_topic_staff_deleted_is_made_again_for_the_next_message(
    harness: Harness,
) -> None:
    h = harness
    user = h.customer(760005, "Gleb")
    await h.say(user, "👤 Talk to a person")
    old = await h.wait_topic(user)
    await h.emu.call("deleteForumTopic", chat_id=h.staff_chat, message_thread_id=old)
    await h.emu.send_text(user, "are you there?")

    async def relayed() -> list[dict]:
        return staff_texts(h.emu, "are you there?")

    copies = await eventually(relayed)
    assert len(copies) == 1 and copies[0]["message_thread_id"] != old
    assert h.topic_id(user) == copies[0]["message_thread_id"]

    async def all_sent() -> bool:  # marked sent in the commit right after Telegram answered
        return {r.status for r in await rows(h)} == {OutboxStatus.SENT}

    assert await eventually(all_sent)
