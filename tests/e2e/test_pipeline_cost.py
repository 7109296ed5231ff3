"""What an update costs: no thread hops on the way, and no row read twice for an answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import F
from aiogram.types import Chat, Message
from sqlalchemy import event
from sqlmodel import col, select

from bot.config import Settings
from bot.db import create_engine, create_sessionmaker, transaction
from handlers import build_router
from handlers.magic import Magic
from models import Direction
from models import Message as Logged
from tests.e2e.conftest import Harness, eventually

pytestmark = pytest.mark.timeout(60)


def test_every_filter_and_handler_runs_on_the_event_loop() -> None:
    # aiogram sends any synchronous callable (a bare `F.…` rule) through asyncio.to_thread.
    root = build_router(Settings.load(env_file=None, bot_token="1:x", staff_chat_id=-100))
    checked = 0
    for router in root.chain_tail:
        for name, observer in router.observers.items():
            # The observer's own handler only carries the router-level filters.
            for handler in [observer._handler, *observer.handlers]:
                assert handler.awaitable or handler is observer._handler, handler.callback
                for check in handler.filters or []:
                    assert check.awaitable, f"{router.name}.{name}: {check.callback}"
                    checked += 1
    assert checked > 50


def _message(text: str | None, chat_type: str = "private") -> Message:
    return Message.model_validate(
        {"message_id": 1, "date": 0, "chat": Chat(id=5, type=chat_type), "text": text}
    )


async def test_magic_passes_when_every_rule_holds_and_hands_on_what_it_captures() -> None:
    private_text = Magic(F.chat.type == "private", F.text, ~F.text.startswith("/"))
    assert await private_text(_message("hello")) is True
    assert await private_text(_message("/start")) is False
    assert await private_text(_message(None)) is False
    assert await private_text(_message("hello", "group")) is False
    assert await Magic(F.text.as_("said"))(_message("hello")) == {"said": "hello"}


async def _logged(reads: Any, chat_id: int, reply: dict[str, Any]) -> list[Logged]:
    """The chat's logged messages, once the bot has committed the row of its reply."""

    async def read() -> list[Logged] | None:
        async with transaction(reads) as session:
            stmt = select(Logged).where(Logged.chat_id == chat_id).order_by(col(Logged.id))
            rows = list((await session.exec(stmt)).all())
        return rows if rows and rows[-1].telegram_message_id == reply["message_id"] else None

    return await eventually(read) or []


async def test_an_faq_answer_hops_to_no_thread_and_reads_each_row_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    # The test reads through an engine of its own, so only the bot's statements are counted.
    reader = create_engine(h.services.engine.url.render_as_string(hide_password=False))
    reads = create_sessionmaker(reader)
    user = h.customer(780001)
    await _logged(reads, user, await h.say(user, "/start"))
    hops: list[Any] = []
    to_thread = asyncio.to_thread

    async def counted(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await to_thread(func, *args, **kwargs)

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    event.listen(h.services.engine.sync_engine, "before_cursor_execute", record)
    try:
        reply = await h.say(user, "How long does delivery take?")
        rows = await _logged(reads, user, reply)
    finally:
        event.remove(h.services.engine.sync_engine, "before_cursor_execute", record)
        await reader.dispose()
    assert "delivery" in reply["text"].lower()
    assert hops == []
    # One read of the customer and one of the conversation, by the context middleware; the
    # outbound log takes both from it. Messages are inserted without looking for them first.
    assert sum("FROM customers" in s for s in statements) == 1, statements
    assert sum("FROM conversations" in s for s in statements) == 1, statements
    assert not any("FROM messages" in s for s in statements), statements
    assert sum(s.startswith("INSERT INTO messages") for s in statements) == 2, statements
    question, answer = rows[-2], rows[-1]
    assert (question.direction, answer.direction) == (Direction.IN, Direction.OUT)
    assert answer.customer_id == question.customer_id is not None
    assert answer.conversation_id == question.conversation_id is not None
