"""Store before confirming: nothing is confirmed before it is stored; all is handled once."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine, migrate, transaction
from bot.services.updates import store_updates
from models import Direction, Message
from models.types import utcnow
from tests.e2e.conftest import Harness, bot_settings, eventually, start_polling
from tgemulator import Emulator


async def stored_texts(sessions: async_sessionmaker[AsyncSession], user: int) -> list[str]:
    """The customer's messages stored, in order of arrival."""
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(Message.text)
            .where(Message.chat_id == user, Message.direction == Direction.IN)
            .order_by(col(Message.id))
        )
        return [text or "" for text in rows.all()]


def errors(caplog: pytest.LogCaptureFixture, text: str) -> int:
    """How many ERROR lines contain the text."""
    return sum(1 for r in caplog.records if r.levelno == logging.ERROR and text in r.getMessage())


async def test_polling_confirms_nothing_it_could_not_store(
    harness: Harness, caplog: pytest.LogCaptureFixture, sessions: async_sessionmaker[AsyncSession]
) -> None:
    h = harness
    inbox: Any = h.dp.inbox  # type: ignore[attr-defined]
    user = h.customer(781001, "Disk")
    await h.say(user, "/start")
    write = inbox._write
    broken = True

    async def full_disk(rows: list[tuple[int, str]]) -> None:
        if broken:
            raise OSError(28, "database or disk is full")
        await write(rows)

    inbox._write = full_disk
    texts = [f"kept while the disk is full {i}" for i in range(3)]
    for text in texts:
        await h.emu.send_text(user, text)
    assert await eventually(lambda: _async(inbox.fault is not None))
    await asyncio.sleep(1.5)  # several retries
    # Still unconfirmed at Telegram: a crash now loses nothing.
    assert len(h.emu.pending_updates()) == 3
    assert "cannot be stored" in inbox.fault
    assert errors(caplog, "cannot store incoming updates") == 1  # one line, not one per retry
    broken = False

    async def kept() -> bool:
        return await stored_texts(sessions, user) == ["/start", *texts]

    assert await eventually(kept, timeout=40)
    assert await eventually(lambda: _async(not h.emu.pending_updates() and inbox.fault is None))
    await asyncio.sleep(0.5)
    assert await stored_texts(sessions, user) == ["/start", *texts]  # each once


async def test_an_update_whose_handling_fails_stays_stored_and_is_handled_once_later(
    harness: Harness, caplog: pytest.LogCaptureFixture, sessions: async_sessionmaker[AsyncSession]
) -> None:
    h = harness
    inbox: Any = h.dp.inbox  # type: ignore[attr-defined]
    user = h.customer(781002, "Flaky")
    await h.say(user, "/start")
    feed = h.dp.feed_update
    failures = 0

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures < 2:  # even the error router could not store it (a full disk)
            failures += 1
            raise OSError(28, "database or disk is full")
        return await feed(*args, **kwargs)

    h.dp.feed_update = flaky  # type: ignore[method-assign]
    await h.emu.send_text(user, "first")
    await h.emu.send_text(user, "second")  # waits behind the first: the customer's order
    assert await eventually(lambda: _async(inbox.fault is not None))
    assert not h.emu.pending_updates()  # stored, so confirmed

    async def kept() -> bool:
        return await stored_texts(sessions, user) == ["/start", "first", "second"]

    assert await eventually(kept, timeout=30)
    assert await eventually(lambda: _async(inbox.fault is None))
    assert errors(caplog, "stored updates cannot be handled") == 1


async def test_updates_stored_before_a_crash_are_handled_at_start_up_first(
    emu: Emulator, database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = 781003
    emu.add_user(user, "Crash", language_code="en")
    engine = create_engine(database_url)
    await migrate(engine)
    stored_at = utcnow()
    rows = [(5000 + i, json.dumps(_update(5000 + i, user, f"stored before {i}"))) for i in range(3)]
    async with transaction(async_sessionmaker(engine, class_=AsyncSession)) as session:
        await store_updates(session, rows, stored_at, stored_at)
    await engine.dispose()
    _services, _bot, _dp, stop = await start_polling(bot_settings(emu, database_url))
    try:
        await emu.send_text(user, "after the restart")

        async def kept() -> bool:
            return len(await stored_texts(sessions, user)) == 4

        assert await eventually(kept)
        assert await stored_texts(sessions, user) == [
            "stored before 0",
            "stored before 1",
            "stored before 2",
            "after the restart",
        ]
    finally:
        await stop()


async def test_the_webhook_refuses_bodies_that_are_no_update(webhook_harness: Harness) -> None:
    h = webhook_harness
    await h.emu.wait_for_call("setWebhook")
    url = f"http://127.0.0.1:{h.extra['port']}/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": h.extra["secret"]}
    async with aiohttp.ClientSession() as http:
        for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}', b"\xff\xfe", b"{}"):
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 400, body
        huge = json.dumps({"update_id": 2**64})
        async with http.post(url, data=huge, headers=headers) as response:
            assert response.status == 400
        async with http.post(url, data=b"{}", headers={}) as response:
            assert response.status == 401


def _update(update_id: int, user: int, text: str) -> dict[str, Any]:
    """A customer's text message as Telegram sends it."""
    person = {"id": user, "is_bot": False, "first_name": "Crash"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1764900000,
            "text": text,
            "chat": {"id": user, "type": "private", "first_name": "Crash"},
            "from": person,
        },
    }


async def _async(value: bool) -> bool:
    return value
